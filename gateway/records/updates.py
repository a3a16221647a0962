"""Account updates: structured facts captured from debtors, stored for the core systems.

Callers (the bot API, agents, transcription) record an update inside their own transaction with
``record_update`` and, once that transaction has committed, have the worker deliver the new ids
to the core system's webhook (``AfterCommit.updates``). The same updates
are readable, oldest first, through ``GET /v1/accounts/{ref}/updates``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.clock import iso
from gateway.config import Settings
from gateway.db.tables import account_updates, accounts
from gateway.db.upsert import dialect_insert
from gateway.errors import Conflict, ValidationFailed
from gateway.outreach.rulesets import ruleset_for
from gateway.records import audit
from gateway.records.accounts import lock_account
from gateway.records.audit import AuditEntry, account_chain
from gateway.records.validation import disputed_in_time

UPDATE_KINDS = frozenset(
    {
        "promise_to_pay",
        "payment_plan_request",
        "dispute",
        "hardship",
        "already_paid",
        "opt_out",
        "cease_request",
        "wrong_party",
        "callback_request",
        "handoff",
        "agent_note",
        # Heard in a recording ("I have a lawyer"); recorded only once an agent confirms it.
        "attorney_represented",
        # Parley's own: validation information is due and the ruleset leaves sending it to
        # the core system (12 CFR 1006.34).
        "validation_due",
    }
)
SOURCES = frozenset({"bot", "ivr", "agent", "transcript", "keyword", "api", "portal"})


@dataclass(frozen=True, slots=True)
class NewUpdate:
    """An update to record; ``dedupe_key`` makes a repeated call (a retried action) a no-op."""

    kind: str
    data: dict[str, Any]
    source: str
    confidence: float | None = None
    conversation_id: str | None = None
    message_id: str | None = None
    dedupe_key: str | None = None
    agent_id: str | None = None
    recording_id: str | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.kind not in UPDATE_KINDS:
            problems.append({"field": "kind", "message": f"unknown update kind {self.kind!r}"})
        if self.source not in SOURCES:
            problems.append({"field": "source", "message": f"unknown source {self.source!r}"})
        if self.confidence is not None and not 0.0 <= self.confidence <= 1.0:
            problems.append({"field": "confidence", "message": "must be between 0 and 1"})
        if self.dedupe_key is not None and not 1 <= len(self.dedupe_key) <= 200:
            problems.append({"field": "dedupe_key", "message": "1-200 characters"})
        if problems:
            raise ValidationFailed(
                f"invalid account update: {problems[0]['message']}", details=problems
            )


@dataclass(frozen=True, slots=True)
class StoredUpdate:
    """The stored update; ``created`` is False when its dedupe key had already been recorded."""

    id: int
    created: bool
    public: dict[str, Any]


async def record_update(
    conn: AsyncConnection,
    *,
    account_id: int,
    account_ref: str,
    update: NewUpdate,
    now: datetime,
    ruleset_override: str | None = None,
) -> StoredUpdate:
    """Store an update with its audit row, in the caller's transaction.

    A dispute also places the dispute hold (``disputed`` set, ``validation_recorded`` cleared),
    so collection messages wait until the validation step is recorded, when it comes inside
    the validation period or the account's ruleset (``ruleset_override`` as PARLEY_RULESET)
    holds late disputes too (12 CFR 1006.34(c)(4)). Any other consequence
    (revoking consent, closing a conversation) is the caller's to make.

    When ``dedupe_key`` was already recorded, the earlier update is returned with
    ``created=False`` and nothing is written; the same key used for another account or kind
    is a Conflict, since answering with someone else's update would hide the caller's bug.

    It locks the account row (as ``PUT /v1/accounts`` does) before the audit chain head, so
    call it before appending other audit entries of the same account in that transaction.
    """
    # Lock the account first: updates of one account then commit in id order, so a client
    # paging with ``after=<last id>`` never skips an update that committed late.
    account = await lock_account(conn, account_id)
    statement = dialect_insert(conn, account_updates).values(
        account_id=account_id,
        kind=update.kind,
        source=update.source,
        confidence=update.confidence,
        data=update.data,
        conversation_id=update.conversation_id,
        message_id=update.message_id,
        delivery_state="pending",
        delivery_attempts=0,
        dedupe_key=update.dedupe_key,
        agent_id=update.agent_id,
        recording_id=update.recording_id,
        created_at=now,
    )
    if update.dedupe_key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=[account_updates.c.dedupe_key])
    row = (await conn.execute(statement.returning(*account_updates.c))).first()
    if row is None:
        return await _existing(conn, account_id, account_ref, update)

    chain = account_chain(account_ref)
    subject = f"update:{row.id}"
    entries = [
        AuditEntry(
            chain,
            "account_update.recorded",
            now,
            {
                "update_id": row.id,
                "kind": row.kind,
                "source": row.source,
                "confidence": row.confidence,
                "data": row.data,
                "conversation_id": row.conversation_id,
                "message_id": row.message_id,
                "agent_id": row.agent_id,
            }
            | ({"recording_id": row.recording_id} if row.recording_id else {}),
            subject,
        )
    ]
    # Only a change of the flags is a new hold; a second dispute during the hold changes nothing.
    held = account.disputed and not account.validation_recorded
    if update.kind == "dispute" and not held and _dispute_holds(account, now, ruleset_override):
        await conn.execute(
            sql_update(accounts)
            .where(accounts.c.id == account_id)
            .values(disputed=True, validation_recorded=False, updated_at=now)
        )
        entries.append(
            AuditEntry(
                chain,
                "account.dispute_hold",
                now,
                {
                    "update_id": row.id,
                    "flags": {
                        "disputed": [account.disputed, True],
                        "validation_recorded": [account.validation_recorded, False],
                    },
                },
                subject,
            )
        )
    await audit.append(conn, entries)
    return StoredUpdate(row.id, True, public_update(row, account_ref))


def _dispute_holds(account: Any, now: datetime, ruleset_override: str | None) -> bool:
    settings = ruleset_for(account.collector_type, ruleset_override).validation_notice
    return not settings.enabled or settings.late_disputes_hold or disputed_in_time(account, now)


async def _existing(
    conn: AsyncConnection, account_id: int, account_ref: str, new: NewUpdate
) -> StoredUpdate:
    row = (
        await conn.execute(
            select(account_updates).where(account_updates.c.dedupe_key == new.dedupe_key)
        )
    ).one()
    if row.account_id != account_id or row.kind != new.kind:
        raise Conflict(
            "this dedupe_key was already used for another account or kind of update",
            code="dedupe_key_conflict",
            details=[{"field": "dedupe_key", "message": "already used"}],
        )
    return StoredUpdate(row.id, False, public_update(row, account_ref))


def public_update(row: Any, account_ref: str, *, delivery: bool = True) -> dict[str, Any]:
    """An update as the API shows it; the webhook body is the same without ``delivery``."""
    body: dict[str, Any] = {
        "id": str(row.id),
        "account_ref": account_ref,
        "kind": row.kind,
        "source": row.source,
        "confidence": row.confidence,
        "data": row.data,
        "conversation_id": row.conversation_id,
        "message_id": row.message_id,
        "agent_id": row.agent_id,
        "recording_id": row.recording_id,
        "created_at": iso(row.created_at),
    }
    if delivery:
        body["delivery"] = {
            "state": row.delivery_state,
            "attempts": row.delivery_attempts,
            "delivered_at": iso(row.delivered_at),
            "last_error": row.last_error,
        }
    return body


def delivery_enabled(settings: Settings) -> bool:
    """Whether updates are pushed to a core-system webhook (else they are only readable)."""
    return settings.core_webhook_url is not None
