"""Twilio Voice webhooks: the IVR's TwiML, call status callbacks and recordings."""

from __future__ import annotations

import logging

from aiohttp import web

from channels import twilio_webhooks
from channels.twilio_twiml import CallbackUrls, render
from channels.voice import VoiceReply
from gateway import clock
from gateway.appkeys import ENGINE, RASA, REDIS, SETTINGS
from gateway.config import Settings
from gateway.conversations.after_commit import AfterCommit
from gateway.errors import ParleyError
from gateway.ivr.call_status import apply_call_status
from gateway.ivr.flow import Answer, Ivr
from gateway.ivr.speech import understand
from gateway.messages.providers import (
    CALL_STATUS_ROUTE,
    GATHER_ROUTE,
    RECORDING_ROUTE,
    TWILIO_WEBHOOKS,
    VOICE_ROUTE,
)
from gateway.recordings.intake import keep_voicemail
from gateway.webhooks.twilio_auth import TWILIO_FORM, twiml

log = logging.getLogger("parley.webhooks.twilio")
routes = web.RouteTableDef()


@routes.post(VOICE_ROUTE)
async def voice(request: web.Request) -> web.Response:
    """A call starts: the debtor rang us, or answered a call we placed (``?message_id=``)."""
    report = twilio_webhooks.call_report(
        request[TWILIO_FORM], clock.utcnow(), request.query.get("message_id")
    )
    config = request.config_dict
    try:
        async with config[ENGINE].begin() as conn:
            answer = await Ivr(conn, config[SETTINGS], report.at).start(report)
    except ParleyError as exc:
        return _apology(request, exc)
    return await _answer(request, answer)


@routes.post(GATHER_ROUTE)
async def gather(request: web.Request) -> web.Response:
    """The caller answered a prompt (keys or speech), or the prompt timed out."""
    config = request.config_dict
    call_id, step = request.query.get("call", ""), request.query.get("step", "")
    if not call_id or not step:
        return _reply(request, Ivr.goodbye())
    heard = twilio_webhooks.call_input(request[TWILIO_FORM])
    # Rasa reads the speech before the transaction begins: no transaction waits on it.
    intent = await understand(config[RASA], config[SETTINGS], step, heard)
    try:
        async with config[ENGINE].begin() as conn:
            ivr = Ivr(conn, config[SETTINGS], clock.utcnow())
            if step == "recorded":
                answer = await ivr.recorded(call_id)
            else:
                answer = await ivr.advance(call_id, step, heard, intent)
    except ParleyError as exc:
        return _apology(request, exc)
    return await _answer(request, answer)


@routes.post(RECORDING_ROUTE)
async def recording(request: web.Request) -> web.Response:
    """A recording is ready: kept (once per RecordingSid) and transcribed by the worker."""
    report = twilio_webhooks.recording(request[TWILIO_FORM], clock.utcnow())
    async with request.config_dict[ENGINE].begin() as conn:
        recording_id = await keep_voicemail(conn, request.query.get("call", ""), report)
    if recording_id is not None:
        config = request.config_dict
        await AfterCommit(transcriptions=[recording_id]).flush(config[REDIS], config[SETTINGS])
    return web.Response(status=204)


@routes.post(CALL_STATUS_ROUTE)
async def call_status(request: web.Request) -> web.Response:
    """A call's progress; the final status becomes the call's contact outcome."""
    report = twilio_webhooks.call_report(
        request[TWILIO_FORM], clock.utcnow(), request.query.get("message_id")
    )
    async with request.config_dict[ENGINE].begin() as conn:
        await apply_call_status(conn, report)
    return web.Response(status=204)


def _urls(settings: Settings) -> CallbackUrls:
    return CallbackUrls(
        gather=settings.public_endpoint(TWILIO_WEBHOOKS + GATHER_ROUTE),
        recording=settings.public_endpoint(TWILIO_WEBHOOKS + RECORDING_ROUTE),
    )


async def _answer(request: web.Request, answer: Answer) -> web.Response:
    config = request.config_dict
    await answer.after.flush(config[REDIS], config[SETTINGS])
    return _reply(request, answer.reply)


def _reply(request: web.Request, reply: VoiceReply) -> web.Response:
    return twiml(render(reply, _urls(request.config_dict[SETTINGS])))


def _apology(request: web.Request, exc: ParleyError) -> web.Response:
    # The caller hears an apology rather than Twilio's "application error"; nothing was kept.
    log.error("the IVR could not handle a call step: %s (%s)", exc.message, exc.code)
    return _reply(request, Ivr.apology())
