"""arq ``WorkerSettings`` and the factory ``parley worker`` and the tests use."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientSession
from arq import Worker, cron, func
from arq.connections import RedisSettings

from gateway.config import Settings, load_settings
from gateway.conversations.inbound import BOT_TURN, ROUTE_INBOUND
from gateway.conversations.rasa import RasaClient
from gateway.conversations.replies import SEND_MESSAGE
from gateway.db.engine import create_engine
from gateway.db.migrate import ensure_migrated
from gateway.messages.providers import build_providers
from gateway.messages.send import send_outreach
from gateway.messages.send_reply import send_message
from gateway.outreach.rendering import TemplateLibrary
from gateway.records.updates import DELIVER_UPDATE
from gateway.worker.deliver import deliver_update, requeue_deliveries
from gateway.worker.requeue import requeue_conversations, requeue_stale
from gateway.worker.route import route_inbound
from gateway.worker.turn import bot_turn
from policies.timezones import preload


async def on_startup(ctx: dict[str, Any]) -> None:
    """Open the worker's resources into ``ctx``."""
    settings: Settings = ctx.setdefault("settings", load_settings())
    engine = create_engine(settings.database_url)
    await ensure_migrated(engine)
    ctx["engine"] = engine
    ctx["templates"] = TemplateLibrary()
    preload()
    # One connection pool for every outgoing call (providers, webhook deliveries, Rasa).
    ctx["http"] = http = ClientSession()
    ctx["providers"] = build_providers(settings, http)
    ctx["rasa"] = RasaClient(http, str(settings.rasa_url), settings.rasa_timeout_seconds)


async def on_shutdown(ctx: dict[str, Any]) -> None:
    """Close what on_startup opened."""
    engine = ctx.get("engine")
    if engine is not None:
        await engine.dispose()
    http = ctx.get("http")
    if http is not None:
        await http.close()


class WorkerSettings:
    """What the worker runs; usable as ``arq gateway.worker.service.WorkerSettings`` too."""

    functions = (
        func(send_outreach, name="send_outreach", max_tries=100),
        # core_webhook_max_tries, counted in the database, is what stops the retries.
        func(deliver_update, name=DELIVER_UPDATE, max_tries=100),
        func(send_message, name=SEND_MESSAGE, max_tries=100),
        func(route_inbound, name=ROUTE_INBOUND, max_tries=100),
        # Retries stop by time, not count: bot_unavailable_escalate_seconds hands over.
        func(bot_turn, name=BOT_TURN, max_tries=100_000),
    )
    cron_jobs = (
        cron(requeue_stale, second={0, 30}, run_at_startup=True, unique=True),
        cron(requeue_deliveries, second={15, 45}, run_at_startup=True, unique=True),
        cron(requeue_conversations, second={5, 35}, run_at_startup=True, unique=True),
    )
    on_startup = on_startup
    on_shutdown = on_shutdown
    keep_result = 60
    job_timeout = 120


def create_worker(settings: Settings, **overrides: Any) -> Worker:
    """A worker for these settings; tests pass ``burst=True`` and friends."""
    options: dict[str, Any] = {
        "functions": WorkerSettings.functions,
        "cron_jobs": WorkerSettings.cron_jobs,
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "keep_result": WorkerSettings.keep_result,
        "job_timeout": WorkerSettings.job_timeout,
        "max_jobs": settings.worker_max_jobs,
        "poll_delay": settings.worker_poll_delay_seconds,
        "redis_settings": RedisSettings.from_dsn(settings.redis_dsn),
        "ctx": {"settings": settings},
    } | overrides
    return Worker(**options)
