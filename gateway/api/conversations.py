"""Inbound messages from channels without a webhook of their own, and conversation threads."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web
from sqlalchemy import select

from channels.events import InboundText
from gateway import clock
from gateway.api.parsing import parse_address, read_model
from gateway.api.schemas import InboundIn
from gateway.appkeys import ENGINE, REDIS, SETTINGS
from gateway.clock import iso
from gateway.conversations.inbound import receive
from gateway.conversations.store import load_conversation
from gateway.db.engine import reading
from gateway.db.tables import account_updates, messages
from gateway.records.updates import public_update

routes = web.RouteTableDef()
INBOUND_PROVIDER = "api"


@routes.post("/messages/inbound")
async def post_inbound(request: web.Request) -> web.Response:
    """Take a consumer's message as if a channel had delivered it (``parley chat`` uses this).

    ``provider_id`` makes a retried POST a no-op; without it every POST is a new message.
    """
    body = await read_model(request, InboundIn)
    address = parse_address(body.channel, body.address, "address")
    text = InboundText(
        channel=body.channel,
        address=address,
        body=body.text,
        provider=INBOUND_PROVIDER,
        provider_id=body.provider_id or uuid.uuid4().hex,
        received_at=clock.utcnow(),
    )
    config = request.config_dict
    routed = await receive(config[ENGINE], config[REDIS], config[SETTINGS], text, route_now=True)
    return web.json_response(
        {
            "message_id": routed.message_id,
            "conversation_id": routed.conversation_id,
            "duplicate": routed.duplicate,
            "route": routed.route,
            "keyword": routed.keyword,
        },
        status=202,
    )


@routes.get("/conversations/{id}")
async def get_conversation(request: web.Request) -> web.Response:
    """The thread: state, every message in order with its status, and the captured updates."""
    async with reading(request.config_dict[ENGINE]) as conn:
        conversation = await load_conversation(conn, request.match_info["id"])
        rows = await conn.execute(
            select(messages)
            .where(messages.c.conversation_id == conversation.id)
            .order_by(messages.c.created_at, messages.c.id)
        )
        transcript = [_message(row) for row in rows]
        updates = await conn.execute(
            select(account_updates)
            .where(account_updates.c.conversation_id == conversation.id)
            .order_by(account_updates.c.id)
        )
        captured = [public_update(row, conversation.account_ref) for row in updates]
    return web.json_response(
        {
            "id": conversation.id,
            "account_ref": conversation.account_ref,
            "channel": conversation.channel,
            "address": conversation.address,
            "state": conversation.state,
            "verified": conversation.verified_at is not None,
            "escalation_reason": conversation.escalation_reason,
            "created_at": iso(conversation.created_at),
            "updated_at": iso(conversation.updated_at),
            "messages": transcript,
            "updates": captured,
        }
    )


def _message(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "direction": row.direction,
        "channel": row.channel,
        "body": row.body,
        "status": row.status,
        "purpose": row.purpose,
        "error_code": row.error_code,
        # Why a message waits or was not sent: the rules of its send-time decision.
        "reasons": [reason["rule"] for reason in (row.decision or {}).get("reasons", [])],
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }
