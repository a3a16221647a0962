"""Outreach intake: validate, decide, persist with the idempotency key, and plan the send."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway import clock
from gateway.config import Settings
from gateway.db.tables import outreach, timeline
from gateway.db.upsert import dialect_insert
from gateway.errors import Conflict, NotFound, ParleyError, TemplateError
from gateway.ids import new_id
from gateway.outreach.composing import compose
from gateway.outreach.decisions import DECISION_EVENT, Evaluation, decide
from gateway.outreach.rendering import TemplateLibrary
from gateway.outreach.request import OutreachIn
from gateway.outreach.rulesets import ruleset_for
from gateway.outreach.snapshots import AccountSnapshot, load_snapshots
from gateway.records import audit
from gateway.records.audit import AuditEntry, account_chain, canonical_json
from gateway.worker.jobs import SendJob, enqueue_sends
from policies import Outcome

log = logging.getLogger("parley.intake")


@dataclass(frozen=True, slots=True)
class IntakeRequest:
    """One outreach request with its idempotency key and the hash of what was asked."""

    key: str
    body: OutreachIn
    request_hash: str


def request_hash(document: dict[str, Any]) -> str:
    """Hash of a request body, insensitive to key order and whitespace."""
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


@dataclass(slots=True)
class IntakeOutcome:
    """Per request: the answer (first answer on replay) or the error; and sends to enqueue."""

    answers: list[dict[str, Any] | ParleyError] = field(default_factory=list)
    jobs: list[SendJob] = field(default_factory=list)


class Intake:
    """Accepts outreach requests in one transaction, whatever their number."""

    def __init__(self, templates: TemplateLibrary, settings: Settings) -> None:
        self._templates = templates
        self._settings = settings
        self._channel_order = tuple(settings.auto_channel_order)
        self._ruleset_override = settings.ruleset

    async def accept(
        self, conn: AsyncConnection, requests: Sequence[IntakeRequest], *, now: datetime
    ) -> IntakeOutcome:
        """Decide and persist every request; replays return their first answer."""
        known = await _stored(conn, [r.key for r in requests])
        snapshots = await load_snapshots(
            conn,
            now=now,
            refs={r.body.account_ref for r in requests},
            ruleset_override=self._ruleset_override,
        )
        result = IntakeOutcome()
        slots: list[str | ParleyError] = []  # a key (answer resolved below) or the error
        rows: list[dict[str, Any]] = []
        pending: set[str] = set()
        for request in requests:
            if request.key not in known and request.key not in pending:
                try:
                    rows.append(self._decide(request, snapshots.get(request.body.account_ref), now))
                except ParleyError as exc:
                    slots.append(exc)
                    continue
                pending.add(request.key)
            slots.append(request.key)

        inserted = await self._insert(conn, rows)
        fresh = [r for r in rows if r["idempotency_key"] in inserted]
        await self._record(conn, fresh, now)
        for r in fresh:
            if r["status"] != "blocked":
                result.jobs.append(SendJob(r["id"], r["not_before"]))
            known[r["idempotency_key"]] = _Known(r["request_hash"], r["response"])
        # Keys another transaction committed first while this one was deciding.
        known |= await _stored(conn, [k for k in pending if k not in inserted])
        result.answers = [
            slot if isinstance(slot, ParleyError) else _replay(known[slot], request)
            for slot, request in zip(slots, requests, strict=True)
        ]
        return result

    def _decide(
        self, request: IntakeRequest, account: AccountSnapshot | None, now: datetime
    ) -> dict[str, Any]:
        body = request.body
        if account is None:
            raise NotFound(
                f"no account {body.account_ref!r}",
                code="account_not_found",
                details=[{"field": "account_ref", "message": "unknown account"}],
            )
        evaluation = self._evaluate(account, body, now)
        oid = new_id("out")
        decision = evaluation.decision.to_dict()
        status = evaluation.status
        response = {
            "id": oid,
            "status": status,
            "channel": evaluation.channel,
            "decision": decision,
        }
        return {
            "id": oid,
            "idempotency_key": request.key,
            "request_hash": request.request_hash,
            "account_id": account.id,
            "account_ref": account.ref,
            "channel": body.channel,
            "resolved_channel": evaluation.channel,
            "address": evaluation.contact.address if evaluation.contact else None,
            "template": body.template,
            "variables": body.variables,
            "purpose": body.purpose,
            "status": status,
            "decision": decision,
            "not_before": evaluation.decision.not_before,
            "response": response,
            "evaluation": evaluation,
            "created_at": now,
            "updated_at": now,
        }

    def _evaluate(self, account: AccountSnapshot, body: OutreachIn, now: datetime) -> Evaluation:
        if body.channel != "auto":
            return self._decide_channel(account, body.channel, body, now)
        candidates = [c for c in self._channel_order if self._templates.has(c, body.template)]
        if not candidates:
            raise TemplateError(
                f"no channel has a template named {body.template!r}",
                details=[{"field": "template", "message": "unknown template"}],
            )
        # Rank the channels on the contact alone, then check the text of the best first: a
        # text can only add blocking reasons, so the first whose text passes is the best, and
        # most items render one template instead of one per channel.
        contacts = [
            decide(account, c, body.purpose, now, ruleset_override=self._ruleset_override)
            for c in candidates
        ]
        ranked = [e for e in contacts if e.decision.outcome is Outcome.ALLOW]
        ranked += sorted(
            (e for e in contacts if e.decision.outcome is Outcome.DEFER),
            key=lambda e: e.decision.not_before or now,
        )
        ranked += [e for e in contacts if e.decision.outcome is Outcome.BLOCK]
        checked = []
        for contact in ranked:
            evaluation = self._decide_channel(account, contact.channel, body, now)
            if evaluation.decision.outcome is contact.decision.outcome:
                return evaluation
            checked.append(evaluation)
        return checked[0]

    def _decide_channel(
        self, account: AccountSnapshot, channel: str, body: OutreachIn, now: datetime
    ) -> Evaluation:
        """Decide on the message as it would go out: a missing variable is a TemplateError
        now rather than a failure in the worker, and the disclosures are checked on its text."""
        composed = compose(
            self._templates,
            account,
            channel,
            body.template,
            body.variables,
            body.purpose,
            ruleset_for(account.collector_type, self._ruleset_override),
            self._settings,
            now,
        )
        return decide(
            account,
            channel,
            body.purpose,
            now,
            ruleset_override=self._ruleset_override,
            message=composed.message,
        )

    async def _insert(self, conn: AsyncConnection, rows: list[dict[str, Any]]) -> set[str]:
        if not rows:
            return set()
        columns = set(outreach.c.keys())
        stmt = (
            dialect_insert(conn, outreach)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(outreach.c.idempotency_key)
        )
        result = await conn.execute(
            stmt, [{k: v for k, v in r.items() if k in columns} for r in rows]
        )
        return set(result.scalars())

    async def _record(
        self, conn: AsyncConnection, rows: list[dict[str, Any]], now: datetime
    ) -> None:
        if not rows:
            return
        await conn.execute(
            insert(timeline),
            [
                {
                    "outreach_id": r["id"],
                    "status": r["status"],
                    "at": now,
                    "detail": {"decision": r["decision"]},
                }
                for r in rows
            ],
        )
        await audit.append(
            conn,
            [
                AuditEntry(
                    chain_key=account_chain(r["account_ref"]),
                    event=DECISION_EVENT,
                    at=now,
                    subject=r["id"],
                    payload=r["evaluation"].audit_payload(
                        "intake",
                        requested_channel=r["channel"],
                        purpose=r["purpose"],
                        template=r["template"],
                    ),
                )
                for r in rows
            ],
        )


async def accept_and_enqueue(
    engine: AsyncEngine, redis: Redis, intake: Intake, requests: Sequence[IntakeRequest]
) -> IntakeOutcome:
    """Decide and persist requests in one transaction, then enqueue their sends.

    A failed enqueue is logged, not raised: the outreach is committed and the requeue sweep
    enqueues it later.
    """
    async with engine.begin() as conn:
        result = await intake.accept(conn, requests, now=clock.utcnow())
    if result.jobs:
        try:
            await enqueue_sends(redis, result.jobs)
        except Exception:
            log.exception(
                "enqueue failed for %d sends; the requeue sweep will retry", len(result.jobs)
            )
    return result


@dataclass(frozen=True, slots=True)
class _Known:
    request_hash: str
    response: dict[str, Any]


async def _stored(conn: AsyncConnection, keys: list[str]) -> dict[str, _Known]:
    if not keys:
        return {}
    result = await conn.execute(
        select(outreach.c.idempotency_key, outreach.c.request_hash, outreach.c.response).where(
            outreach.c.idempotency_key.in_(keys)
        )
    )
    return {row.idempotency_key: _Known(row.request_hash, row.response) for row in result}


def _replay(known: _Known, request: IntakeRequest) -> dict[str, Any] | ParleyError:
    if known.request_hash != request.request_hash:
        return Conflict(
            "this Idempotency-Key was already used with a different request body",
            code="idempotency_conflict",
            details=[{"field": "idempotency_key", "message": "reused with another body"}],
        )
    return dict(known.response)
