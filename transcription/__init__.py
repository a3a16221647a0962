"""Voicemail and call-recording transcription, pure of the gateway.

``pipeline`` runs one recording's bytes through ``audio`` (PyAV decoding to 16 kHz mono),
``speech`` (faster-whisper with VAD, a no-speech filter and bounded decoding) and ``redaction``
(card, SSN and bank numbers out, before any text leaves the package); ``entities`` reads the
redacted text with spaCy. Models are loaded by path (``models``), never downloaded. The gateway
hands the pipeline a ``fetch`` callable, so nothing here talks to a provider or a database.
"""
