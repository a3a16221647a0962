"""The HTTP API: ``/v1`` for core systems and ``/v1/bot`` for the assistant, each a
sub-application with its own bearer token (a core token opens nothing of the bot's, nor the
bot's token anything of the core API); ``/agent`` for agents, behind their sessions."""

from __future__ import annotations

from aiohttp import web

from gateway.api import (
    accounts,
    agent_canned,
    agent_conversations,
    agent_login,
    agent_reviews,
    agent_socket,
    bot,
    conversations,
    outreach,
    policy,
    portal_links,
    recordings,
    updates,
)
from gateway.auth import Scheme, agent_session, bearer, bot_token, core_tokens, secured
from gateway.pages.agent_pages import setup_pages


def core_api() -> web.Application:
    """``/v1``: accounts, policy, outreach, updates, conversations, portal links, recordings."""
    app = secured(Scheme.CORE_BEARER, bearer(core_tokens))
    for table in (accounts, policy, outreach, updates, conversations, portal_links, recordings):
        app.add_routes(table.routes)
    return app


def bot_api() -> web.Application:
    """``/v1/bot``: what the assistant's custom actions may read and record."""
    app = secured(Scheme.BOT_BEARER, bearer(bot_token))
    app.add_routes(bot.routes)
    return app


def agent_console() -> web.Application:
    """``/agent``: the console's pages, JSON API and live socket, behind an agent session."""
    app = secured(Scheme.AGENT_SESSION, agent_session)
    for table in (agent_login, agent_conversations, agent_canned, agent_reviews, agent_socket):
        app.add_routes(table.routes)
    setup_pages(app)
    return app
