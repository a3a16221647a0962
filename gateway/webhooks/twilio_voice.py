"""Twilio Voice webhooks: the IVR's TwiML, call status callbacks and recordings."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway import clock
from gateway.appkeys import ENGINE, RASA, REDIS, SETTINGS
from gateway.conversations.capture import start_followups
from gateway.errors import ParleyError
from gateway.ivr.call_status import CallReport, apply_call_status, store_recording
from gateway.ivr.flow import GATHER_PATH, RECORDING_PATH, Answer, CallInput, Ivr
from gateway.messages.providers import CALL_STATUS_PATH, VOICE_PATH
from gateway.webhooks.twilio_auth import required, twiml, verified_form

log = logging.getLogger("parley.webhooks.twilio")
routes = web.RouteTableDef()


@routes.post(VOICE_PATH)
async def voice(request: web.Request) -> web.Response:
    """A call starts: the debtor rang us, or answered a call we placed (``?message_id=``)."""
    form = await verified_form(request, request.app[SETTINGS])
    call_sid, caller, called = required(form, "CallSid", "From", "To")
    try:
        async with request.app[ENGINE].begin() as conn:
            answer = await _ivr(request, conn).start(
                call_sid=call_sid,
                direction=form.get("Direction", "inbound"),
                caller=caller,
                called=called,
                answered_by=form.get("AnsweredBy") or None,
                message_id=request.query.get("message_id"),
            )
    except ParleyError as exc:
        return _apology(exc)
    return await _answer(request, answer)


@routes.post(GATHER_PATH)
async def gather(request: web.Request) -> web.Response:
    """The caller answered a prompt (keys or speech), or the prompt timed out."""
    form = await verified_form(request, request.app[SETTINGS])
    call_id, step = request.query.get("call", ""), request.query.get("step", "")
    if not call_id or not step:
        return twiml(Ivr.goodbye())
    heard = CallInput(
        digits=form.get("Digits", "").strip(),
        speech=form.get("SpeechResult", "").strip(),
        confidence=_float(form.get("Confidence")),
    )
    try:
        async with request.app[ENGINE].begin() as conn:
            ivr = _ivr(request, conn)
            if step == "recorded":
                answer = await ivr.recorded(call_id)
            else:
                answer = await ivr.advance(call_id, step, heard)
    except ParleyError as exc:
        return _apology(exc)
    return await _answer(request, answer)


@routes.post(RECORDING_PATH)
async def recording(request: web.Request) -> web.Response:
    """A recording is ready: its reference is kept for transcription (once per RecordingSid)."""
    form = await verified_form(request, request.app[SETTINGS])
    recording_sid, url = required(form, "RecordingSid", "RecordingUrl")
    async with request.app[ENGINE].begin() as conn:
        await store_recording(
            conn,
            call_id=request.query.get("call", ""),
            recording_sid=recording_sid,
            url=url,
            duration=_int(form.get("RecordingDuration")),
            status=form.get("RecordingStatus", "completed"),
            at=clock.utcnow(),
        )
    return web.Response(status=204)


@routes.post(CALL_STATUS_PATH)
async def call_status(request: web.Request) -> web.Response:
    """A call's progress; the final status becomes the call's contact outcome."""
    form = await verified_form(request, request.app[SETTINGS])
    call_sid, status, caller, called = required(form, "CallSid", "CallStatus", "From", "To")
    report = CallReport(
        call_sid=call_sid,
        status=status,
        at=clock.utcnow(),
        direction=form.get("Direction", "inbound"),
        caller=caller,
        called=called,
        answered_by=form.get("AnsweredBy") or None,
        duration=_int(form.get("CallDuration")),
        message_id=request.query.get("message_id"),
    )
    async with request.app[ENGINE].begin() as conn:
        await apply_call_status(conn, report)
    return web.Response(status=204)


def _ivr(request: web.Request, conn: AsyncConnection) -> Ivr:
    app = request.app
    return Ivr(conn, app[SETTINGS], app[RASA], clock.utcnow())


async def _answer(request: web.Request, answer: Answer) -> web.Response:
    await start_followups(
        request.app[REDIS],
        request.app[SETTINGS],
        answer.updates,
        answer.sends,
        before=answer.before,
        after=answer.after,
    )
    return twiml(answer.twiml)


def _apology(exc: ParleyError) -> web.Response:
    # The caller hears an apology rather than Twilio's "application error"; nothing was kept.
    log.error("the IVR could not handle a call step: %s (%s)", exc.message, exc.code)
    return twiml(Ivr.apology())


def _float(value: str | None) -> float:
    try:
        return float(value) if value else 0.0
    except ValueError:
        return 0.0


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
