"""The worker's make-up: its jobs, cron sweeps, start-up and shutdown, for arq and the tests."""

from __future__ import annotations

from typing import Any

from arq import Worker, cron, func
from arq.connections import RedisSettings
from arq.typing import WorkerSettingsBase

from gateway.config import Settings
from gateway.worker import jobs, tasks
from gateway.worker.deps import Deps

FUNCTIONS = (
    func(tasks.send_outreach, name=jobs.SEND_OUTREACH, max_tries=100),
    func(tasks.send_message, name=jobs.SEND_MESSAGE, max_tries=100),
    # core_webhook_max_tries, counted in the database, is what stops the retries.
    func(tasks.deliver_update, name=jobs.DELIVER_UPDATE, max_tries=100),
    # Retries stop by time, not count: bot_unavailable_escalate_seconds hands over.
    func(tasks.bot_turn, name=jobs.BOT_TURN, max_tries=100_000),
)
CRON_JOBS = (
    cron(tasks.sweep_outreach, second={0, 30}, run_at_startup=True, unique=True),
    cron(tasks.sweep_deliveries, second={15, 45}, run_at_startup=True, unique=True),
    cron(tasks.sweep_messages, second={5, 35}, run_at_startup=True, unique=True),
    cron(tasks.sweep_validation, second={20, 50}, run_at_startup=True, unique=True),
)
KEEP_RESULT_SECONDS = 60
JOB_TIMEOUT_SECONDS = 120


async def on_startup(ctx: dict[str, Any]) -> None:
    """Open the worker's dependencies."""
    ctx["deps"] = await Deps.open(ctx["settings"], ctx["redis"], ctx.get("providers"))


async def on_shutdown(ctx: dict[str, Any]) -> None:
    """Close what on_startup opened."""
    deps = ctx.get("deps")
    if deps is not None:
        await deps.close()


def worker_options(settings: Settings) -> dict[str, Any]:
    """Everything arq's ``Worker`` takes, for these settings."""
    return {
        "functions": FUNCTIONS,
        "cron_jobs": CRON_JOBS,
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "keep_result": KEEP_RESULT_SECONDS,
        "job_timeout": JOB_TIMEOUT_SECONDS,
        "max_jobs": settings.worker_max_jobs,
        "poll_delay": settings.worker_poll_delay_seconds,
        "redis_settings": RedisSettings.from_dsn(settings.redis_dsn),
        "ctx": {"settings": settings},
    }


def create_worker(settings: Settings, **overrides: Any) -> Worker:
    """A worker for these settings; tests pass ``burst=True``, ``ctx=`` with providers, ..."""
    return Worker(**(worker_options(settings) | overrides))


def worker_settings_class(settings: Settings) -> type[WorkerSettingsBase]:
    """A ``WorkerSettings`` class as arq's command line wants one (see ``gateway.worker.main``)."""
    return type("WorkerSettings", (), worker_options(settings))
