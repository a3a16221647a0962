"""The bot API: what the assistant's custom actions may read and record (service token).

The assistant never sees the database. Before the debtor is verified it learns nothing about
the debt, and it cannot record anything about the debt either.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from decimal import Decimal
from typing import Any

from aiohttp import web
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway import audit, clock
from gateway.accounts import identity_hash, invalidate_contact
from gateway.api.parsing import read_model
from gateway.api.schemas import BotNormalizeIn, BotUpdateIn, BotVerifyIn
from gateway.appkeys import ENGINE, REDIS, SETTINGS
from gateway.audit import AuditEntry, account_chain
from gateway.consent import record_consent
from gateway.conversations import texts
from gateway.conversations.agent_events import publish
from gateway.conversations.captured import NEEDS_IDENTITY, Terms, normalise
from gateway.conversations.handoff import hand_off
from gateway.conversations.outbox import CONFIRMATION, enqueue_messages, queue_replies, reply_to
from gateway.conversations.store import HUMAN_STATES, close, load_conversation
from gateway.db.tables import conversations
from gateway.errors import Forbidden
from gateway.normalize import (
    format_amount,
    local_today,
    normalize_payment,
    parse_date_of_birth,
    parse_zip,
)
from gateway.settings import Settings
from gateway.updates import NewUpdate, enqueue_deliveries, record_update
from policies import candidate_zones

routes = web.RouteTableDef()
CONVERSATION = "/v1/bot/conversations/{id}"


@routes.get(CONVERSATION)
async def get_conversation(request: web.Request) -> web.Response:
    """The conversation's state; the account summary only once identity is verified."""
    settings = request.app[SETTINGS]
    async with request.app[ENGINE].connect() as conn:
        conversation = await load_conversation(conn, request.match_info["id"])
    return web.json_response(_view(conversation, settings))


@routes.post(CONVERSATION + "/verify")
async def post_verify(request: web.Request) -> web.Response:
    """Check a verification fact (hashed compare); limited attempts, then a person takes over."""
    body = await read_model(request, BotVerifyIn)
    settings = request.app[SETTINGS]
    now = clock.utcnow()
    updates: list[int] = []
    async with request.app[ENGINE].begin() as conn:
        conversation = before = await load_conversation(conn, request.match_info["id"], lock=True)
        if conversation.verified_at is not None:
            return web.json_response(_verify_answer(conversation, settings, "verified"))
        if _attempts_left(conversation, settings) == 0 or conversation.state in HUMAN_STATES:
            return web.json_response(_verify_answer(conversation, settings, "locked"))
        presented = _fact_hash(body.value, conversation, settings, now)
        if presented is None:
            return web.json_response(_verify_answer(conversation, settings, "unparsed"))
        expected = _expected_hash(conversation, settings)
        matched = expected is not None and hmac.compare_digest(presented, expected)
        values: dict[str, Any] = {"updated_at": now}
        if matched:
            values["verified_at"] = now
        else:
            values["verify_attempts"] = conversation.verify_attempts + 1
        await conn.execute(
            update(conversations).where(conversations.c.id == conversation.id).values(**values)
        )
        event = "identity.verified" if matched else "identity.mismatch"
        await _audit(conn, conversation, event, now)
        conversation = await load_conversation(conn, conversation.id)
        outcome = "verified" if matched else "mismatch"
        if not matched and (expected is None or _attempts_left(conversation, settings) == 0):
            # No fact on file to check against counts as a failed check: a person verifies.
            reason = "identity_not_verified" if expected else "identity_fact_missing"
            updates = await hand_off(conn, conversation, reason=reason, now=now)
            conversation = await load_conversation(conn, conversation.id)
            outcome = "locked"
    await _after_commit(request.app, before, conversation, updates, [])
    return web.json_response(_verify_answer(conversation, settings, outcome))


@routes.post(CONVERSATION + "/normalize")
async def post_normalize(request: web.Request) -> web.Response:
    """Parse and validate amount and date text, without recording anything."""
    body = await read_model(request, BotNormalizeIn)
    settings = request.app[SETTINGS]
    async with request.app[ENGINE].connect() as conn:
        conversation = await load_conversation(conn, request.match_info["id"])
    _require_verified(conversation)
    terms = _terms(conversation, settings)
    result = normalize_payment(
        body.amount,
        body.date,
        today=terms.today,
        balance=terms.balance,
        currency=terms.currency,
        horizon_days=terms.horizon_days,
    )
    return web.json_response(dict(result.to_dict(terms.currency, terms.today)))


@routes.post(CONVERSATION + "/updates")
async def post_update(request: web.Request) -> web.Response:
    """Record what the debtor said as an account update, with its consequences."""
    body = await read_model(request, BotUpdateIn)
    settings = request.app[SETTINGS]
    now = clock.utcnow()
    sends: list[str] = []
    async with request.app[ENGINE].begin() as conn:
        conversation = await load_conversation(conn, request.match_info["id"], lock=True)
        if conversation.account_id is None:
            raise Forbidden("this conversation is not linked to an account", code="not_verified")
        if body.kind in NEEDS_IDENTITY:
            _require_verified(conversation)
        data = normalise(body.kind, body.data, _terms(conversation, settings))
        if body.kind == "handoff":
            updates = await hand_off(conn, conversation, reason=data["reason"], now=now)
            update_id = updates[0] if updates else None
        else:
            stored = await record_update(
                conn,
                account_id=conversation.account_id,
                account_ref=conversation.account_ref,
                update=NewUpdate(
                    kind=body.kind,
                    data=data,
                    source="bot",
                    conversation_id=conversation.id,
                    dedupe_key=body.dedupe_key,
                ),
                now=now,
            )
            update_id, data = stored.id, stored.public["data"]
            updates = [stored.id] if stored.created else []
            if stored.created:
                more, sends = await _consequences(conn, conversation, body.kind, settings, now)
                updates += more
        after = await load_conversation(conn, conversation.id)
    await _after_commit(request.app, conversation, after, updates, sends)
    return web.json_response(
        {
            "id": str(update_id) if update_id is not None else None,
            "kind": body.kind,
            "data": data,
            "escalated": after.state in HUMAN_STATES,
        },
        status=201,
    )


async def _consequences(
    conn: AsyncConnection, conversation: Any, kind: str, settings: Settings, now: datetime
) -> tuple[list[int], list[str]]:
    """What an update changes besides itself; returns new update ids and messages to send."""
    if kind in settings.bot_escalate_on:
        return await hand_off(conn, conversation, reason=kind, now=now), []
    if kind not in {"wrong_party", "opt_out"}:
        return [], []
    channel, address = conversation.channel, conversation.address
    if kind == "wrong_party":
        # Whoever answers this address is not the debtor: nothing more goes there.
        entry = await invalidate_contact(
            conn,
            account_id=conversation.account_id,
            account_ref=conversation.account_ref,
            channel=channel,
            address=address,
            reason=kind,
            now=now,
        )
        body = texts.wrong_party_confirmation(settings.collector_name, channel)
    else:
        entry = await record_consent(
            conn,
            account_id=conversation.account_id,
            account_ref=conversation.account_ref,
            channel=channel,
            address=address,
            action="revoked",
            source="keyword",
            at=now,
            evidence=conversation.id,
        )
        body = texts.opt_out_confirmation(settings.collector_name, channel)
    await audit.append(conn, [entry])
    await close(conn, conversation, reason=kind, now=now)
    reply = reply_to(conversation, body, CONFIRMATION, settings)
    return [], await queue_replies(conn, [reply], now)


async def _after_commit(
    app: web.Application, before: Any, after: Any, updates: list[int], sends: list[str]
) -> None:
    settings = app[SETTINGS]
    await enqueue_deliveries(app[REDIS], settings, updates)
    await enqueue_messages(app[REDIS], sends)
    if before.state not in HUMAN_STATES and after.state in HUMAN_STATES:
        await publish(
            app[REDIS], "conversation.escalated", after.id, reason=after.escalation_reason
        )


def _view(conversation: Any, settings: Settings) -> dict[str, Any]:
    verified = conversation.verified_at is not None
    account = None
    if verified and conversation.account_id is not None:
        balance = Decimal(conversation.balance_amount)
        account = {
            "debtor_first_name": conversation.debtor_name.split()[0],
            "creditor": conversation.creditor,
            "balance": {"amount": conversation.balance_amount, "currency": conversation.currency},
            "balance_display": format_amount(balance, conversation.currency),
            "collector": settings.collector_name,
        }
    return {
        "conversation_id": conversation.id,
        "channel": conversation.channel,
        "state": conversation.state,
        "verified": verified,
        "verification_fact": settings.bot_verification_fact,
        "attempts_left": _attempts_left(conversation, settings),
        "account": account,
    }


def _verify_answer(conversation: Any, settings: Settings, outcome: str) -> dict[str, Any]:
    return {
        "verified": conversation.verified_at is not None,
        "outcome": outcome,
        "attempts_left": _attempts_left(conversation, settings),
        "escalated": conversation.state in HUMAN_STATES,
    }


def _attempts_left(conversation: Any, settings: Settings) -> int:
    return max(0, settings.bot_verify_attempts - int(conversation.verify_attempts))


def _require_verified(conversation: Any) -> None:
    if conversation.verified_at is None:
        raise Forbidden(
            "the debtor's identity is not verified in this conversation", code="not_verified"
        )


def _fact_hash(value: str, conversation: Any, settings: Settings, now: datetime) -> str | None:
    """The keyed hash of what the debtor typed, or None when it is not a fact of that kind."""
    if conversation.account_ref is None:
        return None
    if settings.bot_verification_fact == "date_of_birth":
        born = parse_date_of_birth(value, _terms(conversation, settings).today)
        fact = born.isoformat() if born else None
    else:
        fact = parse_zip(value)
    if fact is None:
        return None
    key = settings.identity_key.get_secret_value().encode()
    return identity_hash(key, conversation.account_ref, fact)


def _expected_hash(conversation: Any, settings: Settings) -> str | None:
    if conversation.account_ref is None:
        return None
    if settings.bot_verification_fact == "date_of_birth":
        return conversation.dob_hash  # type: ignore[no-any-return]
    if not conversation.postal_code:
        return None
    key = settings.identity_key.get_secret_value().encode()
    return identity_hash(key, conversation.account_ref, conversation.postal_code[:5])


def _terms(conversation: Any, settings: Settings) -> Terms:
    """Dates are relative to the debtor's last message, in the debtor's time zone."""
    written_at = conversation.last_inbound_at or clock.utcnow()
    return Terms(
        today=local_today(written_at, _debtor_zone(conversation)),
        balance=Decimal(conversation.balance_amount or "0"),
        currency=conversation.currency or "USD",
        horizon_days=settings.bot_date_horizon_days,
    )


def _debtor_zone(conversation: Any) -> str:
    if conversation.timezone:
        return str(conversation.timezone)
    phones = (conversation.address,) if conversation.channel in {"sms", "voice"} else ()
    try:
        return candidate_zones((), conversation.postal_code, phones)[0]
    except ValueError:
        return candidate_zones((), None, ())[0]


async def _audit(conn: AsyncConnection, conversation: Any, event: str, now: datetime) -> None:
    if conversation.account_ref is not None:
        entry = AuditEntry(account_chain(conversation.account_ref), event, now, {}, conversation.id)
        await audit.append(conn, [entry])
