"""The aiohttp application factory, used by ``parley serve`` and by the tests.

The root application holds the resources (one ``cleanup_ctx`` each) and the endpoints that are
public by intent; everything else lives in a sub-application with exactly one authentication
scheme (``gateway.auth``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from aiohttp import ClientSession, web
from aiohttp.web_middlewares import normalize_path_middleware
from arq.connections import ArqRedis
from prometheus_client import CollectorRegistry

from gateway.agents.live import LiveHub
from gateway.agents.sessions import SessionStore
from gateway.api import agent_console, bot_api, core_api, health, openapi
from gateway.appkeys import (
    AGENT_SESSIONS,
    CHAT,
    COALESCER,
    ENGINE,
    HTTP,
    INTAKE,
    LIVE,
    METRICS,
    PORTAL_SESSIONS,
    RASA,
    REDIS,
    REGISTRY,
    SETTINGS,
    TEMPLATES,
)
from gateway.auth import AUTH_SCHEME, Scheme
from gateway.config import Settings
from gateway.conversations.event_subscriber import running
from gateway.conversations.rasa import RasaClient
from gateway.db.engine import create_engine
from gateway.db.migrate import ensure_migrated
from gateway.messages.providers import SENDGRID_EVENTS, SENDGRID_INBOUND, TWILIO_WEBHOOKS
from gateway.metrics import create_metrics
from gateway.middleware import errors_middleware, metrics_middleware
from gateway.outreach.coalescer import Coalescer
from gateway.outreach.intake import Intake, IntakeOutcome, IntakeRequest, accept_and_enqueue
from gateway.outreach.rendering import TemplateLibrary
from gateway.pages.portal_pages import portal_pages
from gateway.pages.unsubscribe_pages import unsubscribe_pages
from gateway.portal.chat_hub import ChatHub
from gateway.portal.links import PREFIX as PORTAL
from gateway.portal.sessions import PortalSessionStore
from gateway.records.unsubscribe import PREFIX as UNSUBSCRIBE
from gateway.webhooks import sendgrid_events_webhook, sendgrid_inbound_webhook, twilio_webhooks
from policies import states, timezones

MAX_BODY_BYTES = 8 * 1024 * 1024  # a full 1,000-item batch with variables fits comfortably


async def _database(app: web.Application) -> AsyncIterator[None]:
    engine = create_engine(app[SETTINGS].database_url)
    try:
        await ensure_migrated(engine)
        app[ENGINE] = engine
        yield
    finally:
        await engine.dispose()


async def _arq_pool(app: web.Application) -> AsyncIterator[None]:
    # Lazy connections: the gateway starts while Redis is down and /readyz says so.
    settings = app[SETTINGS]
    pool = ArqRedis.from_url(settings.redis_dsn)
    app[REDIS] = pool
    app[AGENT_SESSIONS] = SessionStore(pool, settings.agent_session_idle_minutes * 60)
    app[PORTAL_SESSIONS] = PortalSessionStore(pool, settings.portal_session_idle_minutes * 60)
    yield
    await pool.aclose()


async def _http_session(app: web.Application) -> AsyncIterator[None]:
    # Outgoing calls made while answering a request: Rasa's NLU for speech in the IVR.
    settings = app[SETTINGS]
    async with ClientSession() as session:
        app[HTTP] = session
        app[RASA] = RasaClient(session, str(settings.rasa_url), settings.rasa_timeout_seconds)
        yield


async def _live_events(app: web.Application) -> AsyncIterator[None]:
    # This replica's one subscriber to agent events, for its agents' and debtors' sockets.
    async for _ in running((app[LIVE], app[CHAT]), app[SETTINGS].redis_dsn, "live-events"):
        yield


async def _close_agent_sockets(app: web.Application) -> None:
    await app[LIVE].close()


async def _close_chat_sockets(app: web.Application) -> None:
    await app[CHAT].close()


def init_app(settings: Settings) -> web.Application:
    """Build the gateway application; resources open on startup and close on cleanup."""
    app = web.Application(
        middlewares=[
            # /agent -> /agent/: the console's page, whose sub-application owns the slash.
            normalize_path_middleware(append_slash=True, merge_slashes=False),
            metrics_middleware,
            errors_middleware,
        ],
        # A recording upload (POST /v1/recordings) may be larger than any JSON body.
        client_max_size=max(MAX_BODY_BYTES, settings.recording_max_bytes + 64 * 1024),
    )
    app[AUTH_SCHEME] = Scheme.PUBLIC
    app[SETTINGS] = settings
    # The ZIP indexes (zones, regions) and the geocoder, built now rather than on a request.
    timezones.preload()
    states.preload()
    templates = TemplateLibrary()
    app[TEMPLATES] = templates
    app[INTAKE] = intake = Intake(templates, settings)
    registry = CollectorRegistry()
    app[REGISTRY] = registry
    app[METRICS] = metrics = create_metrics(registry)

    async def accept(requests: Sequence[IntakeRequest]) -> IntakeOutcome:
        result = await accept_and_enqueue(app[ENGINE], app[REDIS], intake, requests)
        for answer in result.answers:
            if isinstance(answer, dict):
                metrics.decisions.labels(answer["decision"]["outcome"]).inc()
        return result

    app[COALESCER] = Coalescer(accept)
    app[LIVE] = LiveHub()
    app[CHAT] = ChatHub()
    app.cleanup_ctx.extend([_database, _arq_pool, _http_session, _live_events])
    # Before aiohttp waits for open handlers: an agent's socket would hold shutdown up.
    app.on_shutdown.append(_close_agent_sockets)
    app.on_shutdown.append(_close_chat_sockets)
    app.add_routes(health.routes)
    app.add_routes(openapi.routes)
    # The longest prefix wins, so /v1/bot/... never reaches the core API's token check.
    app.add_subapp("/v1/bot", bot_api())
    app.add_subapp("/v1", core_api())
    app.add_subapp(TWILIO_WEBHOOKS, twilio_webhooks())
    app.add_subapp(SENDGRID_EVENTS, sendgrid_events_webhook())
    app.add_subapp(SENDGRID_INBOUND, sendgrid_inbound_webhook())
    app.add_subapp(UNSUBSCRIBE, unsubscribe_pages())
    app.add_subapp("/agent", agent_console())
    app.add_subapp(PORTAL, portal_pages())
    return app
