"""Custom actions of the Parley assistant (rasa_sdk), served by ``rasa run actions``.

Every module is one concept; everything the actions learn or record goes through the gateway's
bot API (``gateway.py``). Start from ``bot/``: ``rasa run actions --actions actions``.
"""
