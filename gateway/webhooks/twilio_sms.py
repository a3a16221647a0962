"""Twilio Messaging webhooks: inbound SMS and delivery status callbacks."""

from __future__ import annotations

import logging

from aiohttp import web
from twilio.twiml.messaging_response import MessagingResponse

from channels import twilio_webhooks
from gateway import clock
from gateway.appkeys import ENGINE, REDIS, SETTINGS
from gateway.conversations.agent_events import publish
from gateway.conversations.inbound import receive
from gateway.messages.delivery_status import apply_status
from gateway.messages.providers import SMS_ROUTE, STATUS_ROUTE
from gateway.webhooks.twilio_auth import TWILIO_FORM, twiml

log = logging.getLogger("parley.webhooks.twilio")
routes = web.RouteTableDef()
# Replies leave through the REST API, so every inbound SMS gets the same empty answer.
NO_REPLY = str(MessagingResponse())


@routes.post(SMS_ROUTE)
async def inbound_sms(request: web.Request) -> web.Response:
    """An SMS from a consumer: stored once per MessageSid and routed (a keyword acts at once);
    Twilio gets empty TwiML, and replies leave through the REST API from the worker."""
    text = twilio_webhooks.inbound_sms(request[TWILIO_FORM], clock.utcnow())
    config = request.config_dict
    await receive(config[ENGINE], config[REDIS], config[SETTINGS], text)
    return twiml(NO_REPLY)


@routes.post(STATUS_ROUTE)
async def message_status(request: web.Request) -> web.Response:
    """A delivery status callback: applied once, and never moving a message backwards."""
    report = twilio_webhooks.message_status(
        request[TWILIO_FORM], clock.utcnow(), request.query.get("message_id")
    )
    async with request.config_dict[ENGINE].begin() as conn:
        applied = await apply_status(conn, report)
    if applied.event is not None:
        await publish(request.config_dict[REDIS], applied.event)
    if applied.outcome == "unknown_message":
        log.warning("status callback for a message Parley did not send: %s", report.event_id)
    return web.Response(status=204)
