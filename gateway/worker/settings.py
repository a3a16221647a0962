"""arq ``WorkerSettings`` and the factory ``parley worker`` and the tests use."""

from __future__ import annotations

from typing import Any

from arq import Worker, cron, func
from arq.connections import RedisSettings

from gateway.db.engine import create_engine
from gateway.db.migrate import ensure_migrated
from gateway.providers import build_providers
from gateway.settings import Settings, load_settings
from gateway.templates import TemplateLibrary
from gateway.worker.requeue import requeue_stale
from gateway.worker.send import send_outreach
from policies.timezones import preload


async def on_startup(ctx: dict[str, Any]) -> None:
    """Open the worker's resources into ``ctx``."""
    settings: Settings = ctx.setdefault("settings", load_settings())
    engine = create_engine(settings.database_url)
    await ensure_migrated(engine)
    ctx["engine"] = engine
    ctx["templates"] = TemplateLibrary()
    preload()
    ctx["providers"] = build_providers(settings)


async def on_shutdown(ctx: dict[str, Any]) -> None:
    """Close what on_startup opened."""
    engine = ctx.get("engine")
    if engine is not None:
        await engine.dispose()


class WorkerSettings:
    """What the worker runs; usable as ``arq gateway.worker.settings.WorkerSettings`` too."""

    functions = (func(send_outreach, name="send_outreach", max_tries=100),)
    cron_jobs = (cron(requeue_stale, second={0, 30}, run_at_startup=True, unique=True),)
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
        "redis_settings": RedisSettings.from_dsn(settings.redis_dsn),
        "ctx": {"settings": settings},
    } | overrides
    return Worker(**options)
