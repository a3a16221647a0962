"""Delivery of account updates to the core system's webhook, and the sweep for lost jobs.

Each attempt is recorded before the POST (``delivering``, one more attempt) and after it
(``delivered``, ``failed``, or back to ``pending`` for a retry). A worker that dies mid-POST
leaves ``delivering`` behind; the update is then simply posted again, which receivers absorb
because ``X-Parley-Delivery`` (the update id) is the same on every attempt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
from arq import Retry
from arq.connections import ArqRedis
from arq.constants import job_key_prefix, result_key_prefix
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway import clock
from gateway.config import Settings
from gateway.db.engine import reading
from gateway.db.tables import account_updates, accounts
from gateway.records import audit, core_webhook
from gateway.records.audit import AuditEntry, account_chain
from gateway.records.updates import delivery_enabled, public_update
from gateway.worker.jobs import backoff_seconds, deliver_job_id, enqueue_delivery

log = logging.getLogger("parley.update_delivery")
FINAL = frozenset({"delivered", "failed"})
# Request timeouts and rate limits are the receiver asking for a later try, not a refusal.
RETRYABLE_STATUSES = frozenset({408, 429})
ERROR_SNIPPET_BYTES = 200
SWEEP_LIMIT = 5000


@dataclass(frozen=True, slots=True)
class _Attempt:
    """What one POST came to: delivered, or an error that may be worth retrying."""

    delivered: bool
    status: int | None
    error: str | None
    retryable: bool


async def deliver_update(
    engine: AsyncEngine, http: aiohttp.ClientSession, settings: Settings, update_id: int
) -> str:
    """POST one update, signed, to ``core_webhook_url``; the arq job behind every delivery.

    Raises ``Retry`` (with backoff) while the receiver may still take it.
    """
    if settings.core_webhook_url is None:
        return "not configured"  # stays pending, readable through the API
    async with engine.begin() as conn:
        row = await _lock_update(conn, update_id)
        if row is None:
            return "missing"
        if row.delivery_state in FINAL:
            return f"already {row.delivery_state}"
        if settings.core_webhook_secret is None:
            # Fail closed: a receiver cannot tell an unsigned update from a forged one. It
            # stays pending and goes out (via the sweep) once the secret is configured.
            await _set(conn, update_id, last_error="PARLEY_CORE_WEBHOOK_SECRET is not set")
            log.error("update %s not delivered: PARLEY_CORE_WEBHOOK_SECRET is not set", update_id)
            return "no secret"
        attempts = row.delivery_attempts + 1
        await _set(conn, update_id, delivery_state="delivering", delivery_attempts=attempts)

    body = core_webhook.encode_body(public_update(row, row.account_ref, delivery=False))
    secret = settings.core_webhook_secret.get_secret_value().encode()
    signed = core_webhook.headers(
        secret, body, timestamp=int(clock.utcnow().timestamp()), delivery_id=str(update_id)
    )
    attempt = await _post(http, settings, body, signed)

    retry = (
        not attempt.delivered and attempt.retryable and attempts < settings.core_webhook_max_tries
    )
    await _record(engine, row, attempts, attempt, retry=retry)
    if retry:
        raise Retry(defer=backoff_seconds(settings.send_retry_base_seconds, attempts))
    return "delivered" if attempt.delivered else "failed"


async def _lock_update(conn: AsyncConnection, update_id: int) -> Any:
    # The account ref comes along: the body names it and the audit rows chain under it.
    query = (
        select(account_updates, accounts.c.account_ref)
        .join(accounts, accounts.c.id == account_updates.c.account_id)
        .where(account_updates.c.id == update_id)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=account_updates)
    return (await conn.execute(query)).first()


async def _post(
    session: aiohttp.ClientSession, settings: Settings, body: bytes, headers: dict[str, str]
) -> _Attempt:
    seconds = settings.core_webhook_timeout_seconds
    try:
        async with session.post(
            str(settings.core_webhook_url),
            data=body,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=seconds),
            # A redirect would resend the update somewhere nobody configured.
            allow_redirects=False,
        ) as response:
            if 200 <= response.status < 300:
                return _Attempt(True, response.status, None, False)
            snippet = await response.content.read(ERROR_SNIPPET_BYTES)
            error = f"HTTP {response.status}: {snippet.decode('utf-8', 'replace')}".strip()
            retryable = response.status in RETRYABLE_STATUSES or response.status >= 500
            return _Attempt(False, response.status, error, retryable)
    except TimeoutError:
        return _Attempt(False, None, f"no answer within {seconds:g} s", True)
    except aiohttp.ClientError as exc:
        return _Attempt(False, None, f"{type(exc).__name__}: {exc}", True)


async def _record(
    engine: AsyncEngine, row: Any, attempts: int, attempt: _Attempt, *, retry: bool
) -> None:
    now = clock.utcnow()
    subject = f"update:{row.id}"
    chain = account_chain(row.account_ref)
    async with engine.begin() as conn:
        if attempt.delivered:
            await _set(conn, row.id, delivery_state="delivered", delivered_at=now, last_error=None)
            entry = AuditEntry(
                chain,
                "account_update.delivered",
                now,
                {"update_id": row.id, "attempts": attempts, "status": attempt.status},
                subject,
            )
        else:
            state = "pending" if retry else "failed"
            await _set(conn, row.id, delivery_state=state, last_error=attempt.error)
            entry = AuditEntry(
                chain,
                "account_update.delivery_failed",
                now,
                {
                    "update_id": row.id,
                    "attempts": attempts,
                    "status": attempt.status,
                    "error": attempt.error,
                    "retry": retry,
                },
                subject,
            )
        await audit.append(conn, [entry])
    if attempt.delivered:
        log.info("update %s delivered after %d attempts", row.id, attempts)
    else:
        log.warning(
            "update %s delivery attempt %d failed (%s); %s",
            row.id,
            attempts,
            attempt.status or "no response",
            "will retry" if retry else "giving up",
        )


async def _set(conn: AsyncConnection, update_id: int, **values: Any) -> None:
    await conn.execute(
        update(account_updates).where(account_updates.c.id == update_id).values(**values)
    )


async def requeue_deliveries(engine: AsyncEngine, redis: ArqRedis, settings: Settings) -> int:
    """Enqueue deliveries whose job was lost (Redis down when recorded, a crashed worker).

    Only updates older than ``requeue_after_seconds`` are looked at, so a fresh update's own
    job is not raced; an update whose job still exists (a deferred retry) is left alone.
    """
    if not delivery_enabled(settings):
        return 0
    cutoff = clock.utcnow() - timedelta(seconds=settings.requeue_after_seconds)
    async with reading(engine) as conn:
        ids = (
            (
                await conn.execute(
                    select(account_updates.c.id)
                    .where(
                        account_updates.c.delivery_state.in_(("pending", "delivering")),
                        account_updates.c.created_at < cutoff,
                    )
                    .order_by(account_updates.c.id)
                    .limit(SWEEP_LIMIT)
                )
            )
            .scalars()
            .all()
        )
    lost = await _without_jobs(redis, list(ids))
    added = 0
    for update_id in lost:
        added += await enqueue_delivery(redis, update_id)
    if added:
        log.warning("requeued %d update deliveries that had no job", added)
    return added


async def _without_jobs(redis: Any, ids: list[int]) -> list[int]:
    # One pipelined round trip instead of an enqueue attempt per update: during a long outage
    # of the core system most pending updates are waiting on a deferred retry job.
    if not ids:
        return []
    async with redis.pipeline(transaction=False) as pipe:
        for update_id in ids:
            job_id = deliver_job_id(update_id)
            pipe.exists(job_key_prefix + job_id, result_key_prefix + job_id)
        found = await pipe.execute()
    return [update_id for update_id, n in zip(ids, found, strict=True) if n == 0]
