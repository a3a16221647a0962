"""The HTTP API: ``/v1`` for core systems and ``/v1/bot`` for the assistant, each a
sub-application with its own bearer token (a core token opens nothing of the bot's, nor the
bot's token anything of the core API)."""

from __future__ import annotations

from aiohttp import web

from gateway.api import accounts, bot, conversations, outreach, policy, updates
from gateway.auth import Scheme, bearer, bot_token, core_tokens, secured


def core_api() -> web.Application:
    """``/v1``: accounts, policy, outreach, updates, conversations."""
    app = secured(Scheme.CORE_BEARER, bearer(core_tokens))
    for table in (accounts, policy, outreach, updates, conversations):
        app.add_routes(table.routes)
    return app


def bot_api() -> web.Application:
    """``/v1/bot``: what the assistant's custom actions may read and record."""
    app = secured(Scheme.BOT_BEARER, bearer(bot_token))
    app.add_routes(bot.routes)
    return app
