"""The functions arq runs: each takes its dependencies from ``ctx`` and calls a feature."""

from __future__ import annotations

from typing import Any

from gateway.outreach.validation_notices import sweep_validation_notices
from gateway.records.update_delivery import deliver_update as deliver
from gateway.records.update_delivery import requeue_deliveries
from gateway.worker.deps import deps_of, job_try
from gateway.worker.requeue import requeue_messages, requeue_outreach


async def send_outreach(ctx: dict[str, Any], outreach_id: str) -> str:
    """Render an outreach's message when its send is due, then send it."""
    return await deps_of(ctx).outreach.send(outreach_id, job_try=job_try(ctx))


async def send_message(ctx: dict[str, Any], message_id: str) -> str:
    """Send one outbound message (a reply, a confirmation, a deferred or retried send)."""
    return await deps_of(ctx).sender.send(message_id, job_try=job_try(ctx))


async def bot_turn(ctx: dict[str, Any], message_id: str) -> str:
    """Answer the conversation of an inbound message through Rasa."""
    return await deps_of(ctx).turns.answer(message_id, job_try=job_try(ctx))


async def deliver_update(ctx: dict[str, Any], update_id: int) -> str:
    """Deliver one account update to the core system's webhook."""
    deps = deps_of(ctx)
    return await deliver(deps.engine, deps.http, deps.settings, update_id)


async def sweep_outreach(ctx: dict[str, Any]) -> int:
    """Cron: outreach sends whose job was lost."""
    deps = deps_of(ctx)
    return await requeue_outreach(deps.engine, deps.redis, deps.settings)


async def sweep_messages(ctx: dict[str, Any]) -> int:
    """Cron: message sends and bot turns whose job was lost."""
    deps = deps_of(ctx)
    return await requeue_messages(deps.engine, deps.redis, deps.settings)


async def sweep_deliveries(ctx: dict[str, Any]) -> int:
    """Cron: update deliveries whose job was lost."""
    deps = deps_of(ctx)
    return await requeue_deliveries(deps.engine, deps.redis, deps.settings)


async def sweep_validation(ctx: dict[str, Any]) -> int:
    """Cron: validation notices that are due (sent, or asked of the core system)."""
    deps = deps_of(ctx)
    return await sweep_validation_notices(deps.engine, deps.redis, deps.settings, deps.intake)
