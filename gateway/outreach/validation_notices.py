"""Validation information goes out in time (12 CFR 1006.34(a)(1)(i)(B)): a worker sweep.

Every account whose first communication is recorded and whose validation information is not
gets, per its ruleset, Parley's own ``validation_notice`` by the best allowed channel (an
outreach like any other: decided, deferred by quiet hours, audited) or a ``validation_due``
update telling the core system to send it. Both are keyed on the account, so the sweep may
run any number of times, on any number of workers, and each account gets one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from arq.connections import ArqRedis
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import clock
from gateway.config import Settings
from gateway.db.engine import reading
from gateway.db.tables import accounts
from gateway.outreach.intake import Intake, IntakeRequest, accept_and_enqueue, request_hash
from gateway.outreach.request import OutreachIn
from gateway.outreach.rulesets import ruleset_for
from gateway.records.updates import NewUpdate, record_update
from gateway.records.validation import VALIDATION_TEMPLATE, validation_view
from gateway.worker.jobs import enqueue_delivery
from policies import Ruleset

BATCH = 200


async def sweep_validation_notices(
    engine: AsyncEngine, redis: ArqRedis, settings: Settings, intake: Intake
) -> int:
    """Send (or ask the core system for) every validation notice that is due; returns how many
    accounts were handled. An account is handled once (``validation_requested_at``)."""
    now = clock.utcnow()
    async with reading(engine) as conn:
        rows = list(
            await conn.execute(
                select(accounts)
                .where(
                    accounts.c.first_communication_at.is_not(None),
                    accounts.c.validation_provided_at.is_(None),
                    accounts.c.validation_requested_at.is_(None),
                )
                .order_by(accounts.c.first_communication_at)
                .limit(BATCH)
            )
        )
    handled = 0
    for row in rows:
        ruleset = ruleset_for(row.collector_type, settings.ruleset)
        rules = ruleset.validation_notice
        if rules.enabled:
            # A notice the policy layer blocks (no allowed channel, a hold) still falls due:
            # the core system hears of it, to send it some other way.
            sent = rules.mode == "send" and await _send_notice(engine, redis, intake, row)
            if not sent:
                await _ask_core(engine, redis, ruleset, row, now)
            handled += 1
        # Marked either way: an account with nothing to do must not fill every later batch.
        async with engine.begin() as conn:
            await conn.execute(
                update(accounts).where(accounts.c.id == row.id).values(validation_requested_at=now)
            )
    return handled


async def _send_notice(engine: AsyncEngine, redis: ArqRedis, intake: Intake, row: Any) -> bool:
    """Queue Parley's notice; False when it will not go out (blocked, or it cannot render)."""
    body = OutreachIn(
        account_ref=row.account_ref,
        channel="auto",
        template=VALIDATION_TEMPLATE,
        variables={},
        purpose="validation_notice",
    )
    key = f"parley:validation-notice:{row.account_ref}"
    result = await accept_and_enqueue(
        engine, redis, intake, [IntakeRequest(key, body, request_hash(body.model_dump()))]
    )
    (answer,) = result.answers
    return isinstance(answer, dict) and answer["status"] != "blocked"


async def _ask_core(
    engine: AsyncEngine, redis: ArqRedis, ruleset: Ruleset, row: Any, now: datetime
) -> None:
    view = validation_view(row, ruleset, now)
    async with engine.begin() as conn:
        stored = await record_update(
            conn,
            account_id=row.id,
            account_ref=row.account_ref,
            update=NewUpdate(
                kind="validation_due",
                data={
                    "first_communication_at": view["first_communication_at"],
                    "due_by": view["due_by"],
                },
                source="api",
                dedupe_key=f"parley:validation-due:{row.account_ref}",
            ),
            now=now,
        )
    if stored.created:
        await enqueue_delivery(redis, stored.id)
