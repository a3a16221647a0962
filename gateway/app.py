"""The aiohttp application factory, used by ``parley serve`` and by the tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial

from aiohttp import ClientSession, web
from arq.connections import ArqRedis
from prometheus_client import CollectorRegistry

from gateway.api import accounts, bot, conversations, health, openapi, outreach, policy, updates
from gateway.appkeys import (
    COALESCER,
    ENGINE,
    HTTP,
    INTAKE,
    METRICS,
    RASA,
    REDIS,
    REGISTRY,
    SETTINGS,
    TEMPLATES,
)
from gateway.config import Settings
from gateway.conversations.rasa import RasaClient
from gateway.db.engine import create_engine
from gateway.db.migrate import ensure_migrated
from gateway.metrics import create_metrics
from gateway.middleware import auth_middleware, errors_middleware, metrics_middleware
from gateway.outreach.coalescer import Coalescer
from gateway.outreach.intake import Intake
from gateway.outreach.rendering import TemplateLibrary
from gateway.webhooks import twilio_sms as twilio_messaging
from gateway.webhooks import twilio_voice
from policies.timezones import preload

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
    pool = ArqRedis.from_url(app[SETTINGS].redis_dsn)
    app[REDIS] = pool
    yield
    await pool.aclose()


async def _http_session(app: web.Application) -> AsyncIterator[None]:
    # Outgoing calls made while answering a request: Rasa's NLU for speech in the IVR.
    settings = app[SETTINGS]
    async with ClientSession() as session:
        app[HTTP] = session
        app[RASA] = RasaClient(session, str(settings.rasa_url), settings.rasa_timeout_seconds)
        yield


def init_app(settings: Settings) -> web.Application:
    """Build the gateway application; resources open on startup and close on cleanup."""
    app = web.Application(
        middlewares=[metrics_middleware, errors_middleware, auth_middleware],
        client_max_size=MAX_BODY_BYTES,
    )
    app[SETTINGS] = settings
    preload()  # the ZIP index, built now rather than during the first request
    templates = TemplateLibrary()
    app[TEMPLATES] = templates
    app[INTAKE] = Intake(
        templates, settings.collector, settings.auto_channel_order, settings.ruleset
    )
    app[COALESCER] = Coalescer(partial(outreach.accept_requests, app))
    registry = CollectorRegistry()
    app[REGISTRY] = registry
    app[METRICS] = create_metrics(registry)
    app.cleanup_ctx.extend([_database, _arq_pool, _http_session])
    for table in (
        health.routes,
        openapi.routes,
        accounts.routes,
        policy.routes,
        outreach.routes,
        updates.routes,
        bot.routes,
        conversations.routes,
        twilio_messaging.routes,
        twilio_voice.routes,
    ):
        app.add_routes(table)
    return app
