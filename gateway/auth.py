"""Authentication at the edge: every sub-application has exactly one scheme.

Routes are added to the sub-application of their scheme (``gateway.app``); the scheme's
middleware runs before any handler of that sub-application, so a route cannot exist without
authentication. The root application holds only the endpoints that are public by intent.
"""

from __future__ import annotations

import enum
import hmac
from collections.abc import Callable, Sequence

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from pydantic import SecretStr

from gateway.agents.directory import Agent, find_agent
from gateway.agents.sessions import COOKIE, Session
from gateway.appkeys import AGENT_SESSIONS, ENGINE, PORTAL_SESSIONS, SETTINGS
from gateway.config import Settings
from gateway.db.engine import reading
from gateway.errors import Forbidden, Unauthorized
from gateway.portal import sessions as portal_sessions
from gateway.portal.sessions import PortalSession


class Scheme(enum.StrEnum):
    """How a caller proves who it is."""

    PUBLIC = "public"  # health, readiness, metrics and the OpenAPI document
    CORE_BEARER = "core_bearer"  # core systems: Authorization: Bearer <PARLEY_API_TOKENS>
    BOT_BEARER = "bot_bearer"  # the assistant's action server: Bearer <PARLEY_BOT_TOKEN>
    TWILIO_SIGNATURE = "twilio_signature"  # X-Twilio-Signature over the public URL
    AGENT_SESSION = "agent_session"  # agents: a session cookie, and X-CSRF-Token on changes
    SENDGRID_SIGNATURE = "sendgrid_signature"  # ECDSA over the timestamp and the raw body
    # Inbound Parse: SendGrid's signature when a key is set, else Basic credentials in its URL.
    SENDGRID_INBOUND = "sendgrid_inbound"
    UNSUBSCRIBE_LINK = "unsubscribe_link"  # the keyed token in an email's unsubscribe link
    # Debtors: a session cookie started by a portal link and an identity check; forms carry
    # the session's CSRF token.
    PORTAL_SESSION = "portal_session"


AUTH_SCHEME = web.AppKey("auth_scheme", Scheme)
PORTAL_SESSION = web.RequestKey("portal_session", PortalSession)
AGENT = web.RequestKey("agent", Agent)
SESSION = web.RequestKey("session", Session)
# Where a session starts: the only agent routes that answer without one.
SESSION_OPENERS = frozenset({"/agent/login", "/agent/api/login", "/agent/static"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def secured(scheme: Scheme, middleware: Middleware) -> web.Application:
    """A sub-application whose every route passes ``middleware`` first."""
    app = web.Application(middlewares=[middleware])
    app[AUTH_SCHEME] = scheme
    return app


def bearer(tokens: Callable[[Settings], Sequence[SecretStr]]) -> Middleware:
    """``Authorization: Bearer <token>`` against the tokens ``tokens`` names in settings.

    Compared in constant time, against every token, so timing does not tell which one nearly
    matched.
    """

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not presented:
            raise Unauthorized("missing bearer token", code="missing_token")
        matched = False
        for token in tokens(request.config_dict[SETTINGS]):
            matched |= hmac.compare_digest(presented.encode(), token.get_secret_value().encode())
        if not matched:
            raise Unauthorized("invalid bearer token", code="invalid_token")
        return await handler(request)

    return check


def core_tokens(settings: Settings) -> Sequence[SecretStr]:
    """The core systems' tokens; they open ``/v1`` and nothing else."""
    return settings.api_tokens


def bot_token(settings: Settings) -> Sequence[SecretStr]:
    """The bot's service token; it opens ``/v1/bot`` and nothing else."""
    return (settings.bot_token,)


@web.middleware
async def agent_session(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The agent console's scheme: a live server-side session of an active agent, and on every
    state-changing request the session's CSRF token in ``X-CSRF-Token``.

    Without a session, pages send the browser to the login page and the API answers 401.
    """
    resource = request.match_info.route.resource
    if resource is not None and resource.canonical in SESSION_OPENERS:
        return await handler(request)
    session = await request.config_dict[AGENT_SESSIONS].resume(request.cookies.get(COOKIE))
    agent = None
    if session is not None:
        async with reading(request.config_dict[ENGINE]) as conn:
            agent = await find_agent(conn, session.agent_id)
    if session is None or agent is None or not agent.active:
        if request.path.startswith(("/agent/api/", "/agent/ws")):
            raise Unauthorized("log in first: no live agent session", code="no_session")
        raise web.HTTPSeeOther("/agent/login")
    if request.method not in SAFE_METHODS and not session.csrf_matches(
        request.headers.get("X-CSRF-Token")
    ):
        raise Forbidden("missing or wrong X-CSRF-Token", code="csrf_failed")
    request[AGENT] = agent
    request[SESSION] = session
    return await handler(request)


def portal_session(
    openers: frozenset[str], ended: Callable[[web.Request], web.StreamResponse]
) -> Middleware:
    """The portal's scheme: a live debtor session, and on every state-changing request the
    session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``).

    ``openers`` (the link's landing page and the static files) answer without a session; any
    other route without one gets ``ended(request)``: the socket a 401, pages a page saying to
    open the link again.
    """

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        resource = request.match_info.route.resource
        if resource is not None and resource.canonical in openers:
            return await handler(request)
        store = request.config_dict[PORTAL_SESSIONS]
        session = await store.resume(request.cookies.get(portal_sessions.COOKIE))
        if session is None:
            return ended(request)
        if request.method not in SAFE_METHODS:
            presented = request.headers.get("X-CSRF-Token")
            if presented is None and request.content_type in FORM_TYPES:
                presented = str((await request.post()).get("csrf_token", ""))
            if not session.csrf_matches(presented):
                raise Forbidden("missing or wrong CSRF token", code="csrf_failed")
        request[PORTAL_SESSION] = session
        return await handler(request)

    return check
