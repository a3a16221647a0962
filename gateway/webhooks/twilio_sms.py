"""Twilio Messaging webhooks: inbound SMS and delivery status callbacks."""

from __future__ import annotations

import logging

from aiohttp import web
from twilio.twiml.messaging_response import MessagingResponse

from channels.twilio_errors import effect_for
from gateway import clock
from gateway.appkeys import ENGINE, REDIS, SETTINGS
from gateway.conversations.inbound import InboundText, receive_from_webhook
from gateway.messages.delivery_status import StatusReport, apply_status
from gateway.messages.providers import STATUS_PATH
from gateway.webhooks.twilio_auth import required, twiml, verified_form

log = logging.getLogger("parley.webhooks.twilio")
routes = web.RouteTableDef()
PROVIDER = "twilio"
# Replies leave through the REST API, so every inbound SMS gets the same empty answer.
NO_REPLY = str(MessagingResponse())


@routes.post("/webhooks/twilio/sms")
async def inbound_sms(request: web.Request) -> web.Response:
    """An SMS from a consumer: stored once per MessageSid; a keyword acts at once, any other
    text is routed (bot or agent) by a worker.

    Twilio gets empty TwiML at once; replies leave through the REST API from the worker.
    """
    settings = request.app[SETTINGS]
    form = await verified_form(request, settings)
    sid, sender = required(form, "MessageSid", "From")
    text = InboundText(
        channel="sms",
        address=sender,
        body=form.get("Body", ""),
        provider=PROVIDER,
        provider_id=sid,
        received_at=clock.utcnow(),
    )
    await receive_from_webhook(request.app[ENGINE], request.app[REDIS], settings, text)
    return twiml(NO_REPLY)


@routes.post(STATUS_PATH)
async def message_status(request: web.Request) -> web.Response:
    """A delivery status callback: applied once, and never moving a message backwards."""
    form = await verified_form(request, request.app[SETTINGS])
    sid, status = required(form, "MessageSid", "MessageStatus")
    code = form.get("ErrorCode") or None
    report = StatusReport(
        provider=PROVIDER,
        provider_id=sid,
        status=status,
        at=clock.utcnow(),
        message_id=request.query.get("message_id"),
        error_code=code,
        effect=effect_for(int(code)) if code and code.isdigit() else None,
    )
    async with request.app[ENGINE].begin() as conn:
        result = await apply_status(conn, report)
    if result == "unknown_message":
        log.warning("status callback for a message Parley did not send: %s", sid)
    return web.Response(status=204)
