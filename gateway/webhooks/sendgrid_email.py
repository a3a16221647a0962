"""SendGrid's webhooks: delivery and engagement events, and inbound email (Inbound Parse)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from channels import sendgrid_inbound, sendgrid_webhooks
from channels.events import InboundText
from gateway import clock
from gateway.appkeys import ENGINE, REDIS, SETTINGS
from gateway.conversations.agent_events import publish
from gateway.conversations.attachments import list_files, store_files
from gateway.conversations.inbound import take_in
from gateway.errors import Unavailable
from gateway.messages.event_batches import apply_batch
from gateway.webhooks.sendgrid_auth import RAW_BODY

log = logging.getLogger("parley.webhooks.sendgrid")
events_routes = web.RouteTableDef()
inbound_routes = web.RouteTableDef()


@events_routes.post("")
async def events(request: web.Request) -> web.Response:
    """A batch of events: each applied once, oldest first; 200 only once all are durable, 503
    when the database failed or was too busy (a deadlock, no free connection), so SendGrid
    sends the batch again."""
    reports = sendgrid_webhooks.parse_events(request[RAW_BODY])
    config = request.config_dict
    try:
        async with config[ENGINE].begin() as conn:
            outcome = await apply_batch(conn, reports, "email")
    except (DBAPIError, PoolTimeout):
        log.exception("could not store a SendGrid event batch; SendGrid will retry")
        raise Unavailable("the events could not be stored; send them again") from None
    for event in outcome.events:
        await publish(config[REDIS], event)
    if unknown := outcome.counts.get("unknown_message"):
        log.info("%d SendGrid events about messages Parley did not send", unknown)
    return web.json_response({"events": len(reports), "outcomes": outcome.counts})


@inbound_routes.post("")
async def inbound(request: web.Request) -> web.Response:
    """An email from a consumer: stored once per Message-ID with its files, then the router
    (a STOP acts at once; anything else goes to its bot turn). 200 once stored; 503 when the
    database failed, so SendGrid delivers it again."""
    content_type = request.headers.get("Content-Type", "")
    now = clock.utcnow()

    def parse() -> InboundText:
        form = sendgrid_inbound.read_form(content_type, request[RAW_BODY])
        return sendgrid_inbound.inbound_email(form, now)

    # Up to 30 MB to split and decode, and files to write: off the event loop.
    text = await asyncio.to_thread(parse)
    config = request.config_dict
    settings = config[SETTINGS]
    await asyncio.to_thread(store_files, text.attachments, settings)
    try:
        async with config[ENGINE].begin() as conn:
            received = await take_in(conn, text, settings, route_now=False)
            if not received.duplicate:
                await list_files(conn, received.message_id, text.attachments, settings, now)
    except (DBAPIError, PoolTimeout):
        log.exception("could not store an inbound email; SendGrid will retry")
        raise Unavailable("the email could not be stored; send it again") from None
    await received.after.flush(config[REDIS], settings)
    return web.json_response({"id": received.message_id, "duplicate": received.duplicate})
