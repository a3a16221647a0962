"""The bot API: what the assistant's custom actions may read and record (service token).

The assistant never sees the database. Before the debtor is verified it learns nothing about
the debt, and it cannot record anything about the debt either.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiohttp import web

from gateway import clock
from gateway.api.parsing import read_model
from gateway.api.schemas import BotNormalizeIn, BotUpdateIn, BotVerifyIn
from gateway.appkeys import ENGINE, REDIS, SETTINGS
from gateway.config import Settings
from gateway.conversations.after_commit import AfterCommit
from gateway.conversations.capture import capture
from gateway.conversations.store import HUMAN_STATES, load_conversation
from gateway.conversations.update_data import NEEDS_IDENTITY
from gateway.conversations.verification import attempts_left, terms_for, verify_identity
from gateway.db.engine import reading
from gateway.errors import Forbidden
from gateway.normalize import format_amount
from gateway.records.accounts import first_name

routes = web.RouteTableDef()
CONVERSATION = "/conversations/{id}"


@routes.get(CONVERSATION)
async def get_conversation(request: web.Request) -> web.Response:
    """The conversation's state; the account summary only once identity is verified."""
    settings = request.config_dict[SETTINGS]
    async with reading(request.config_dict[ENGINE]) as conn:
        conversation = await load_conversation(conn, request.match_info["id"])
    return web.json_response(_view(conversation, settings))


@routes.post(CONVERSATION + "/verify")
async def post_verify(request: web.Request) -> web.Response:
    """Check a verification fact (hashed compare); limited attempts, then a person takes over."""
    body = await read_model(request, BotVerifyIn)
    settings = request.config_dict[SETTINGS]
    now = clock.utcnow()
    updates: list[int] = []
    async with request.config_dict[ENGINE].begin() as conn:
        before = await load_conversation(conn, request.match_info["id"], lock=True)
        # The assistant only calls in the middle of a turn the worker runs.
        outcome, conversation, updates = await verify_identity(
            conn, before, body.value, settings, now, turn_running=True
        )
    after = AfterCommit(updates=updates).escalation(before, conversation)
    await after.flush(request.config_dict[REDIS], settings)
    return web.json_response(_verify_answer(conversation, settings, outcome))


@routes.post(CONVERSATION + "/normalize")
async def post_normalize(request: web.Request) -> web.Response:
    """Parse and validate amount and date text, without recording anything."""
    body = await read_model(request, BotNormalizeIn)
    settings = request.config_dict[SETTINGS]
    async with reading(request.config_dict[ENGINE]) as conn:
        conversation = await load_conversation(conn, request.match_info["id"])
    _require_verified(conversation)
    terms = terms_for(conversation, settings)
    result = terms.payment(body.amount, body.date)
    return web.json_response(dict(result.to_dict(terms.currency, terms.today)))


@routes.post(CONVERSATION + "/updates")
async def post_update(request: web.Request) -> web.Response:
    """Record what the debtor said as an account update, with its consequences."""
    body = await read_model(request, BotUpdateIn)
    settings = request.config_dict[SETTINGS]
    now = clock.utcnow()
    async with request.config_dict[ENGINE].begin() as conn:
        conversation = await load_conversation(conn, request.match_info["id"], lock=True)
        if conversation.account_id is None:
            raise Forbidden("this conversation is not linked to an account", code="not_verified")
        if body.kind in NEEDS_IDENTITY:
            _require_verified(conversation)
        captured = await capture(
            conn,
            conversation,
            body.kind,
            body.data,
            settings,
            now,
            source="bot",
            dedupe_key=body.dedupe_key,
            turn_running=True,
        )
        after = await load_conversation(conn, conversation.id)
    await captured.after.escalation(conversation, after).flush(request.config_dict[REDIS], settings)
    update_id = captured.update_id
    return web.json_response(
        {
            "id": str(update_id) if update_id is not None else None,
            "kind": body.kind,
            "data": captured.data,
            "escalated": after.state in HUMAN_STATES,
        },
        status=201,
    )


def _view(conversation: Any, settings: Settings) -> dict[str, Any]:
    verified = conversation.verified_at is not None
    account = None
    if verified and conversation.account_id is not None:
        balance = Decimal(conversation.balance_amount)
        account = {
            "debtor_first_name": first_name(conversation.debtor_name),
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
        "attempts_left": attempts_left(conversation, settings),
        "account": account,
    }


def _verify_answer(conversation: Any, settings: Settings, outcome: str) -> dict[str, Any]:
    return {
        "verified": conversation.verified_at is not None,
        "outcome": outcome,
        "attempts_left": attempts_left(conversation, settings),
        "escalated": conversation.state in HUMAN_STATES,
    }


def _require_verified(conversation: Any) -> None:
    if conversation.verified_at is None:
        raise Forbidden(
            "the debtor's identity is not verified in this conversation", code="not_verified"
        )
