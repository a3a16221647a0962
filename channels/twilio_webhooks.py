"""Twilio's webhooks (form posts whose signature the gateway has checked) as neutral events.

Twilio's vocabulary stops here: message statuses, call statuses and answering-machine verdicts
become the gateway's DeliveryStatus, CallStatus and ``machine`` flag.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime

from channels.events import (
    CallInput,
    CallReport,
    CallStatus,
    DeliveryStatus,
    InboundText,
    MalformedEvent,
    RecordingReport,
    StatusReport,
)
from channels.twilio_errors import effect_for

PROVIDER = "twilio"
MESSAGE_STATUSES = {
    "accepted": DeliveryStatus.ACCEPTED,
    "scheduled": DeliveryStatus.ACCEPTED,
    "queued": DeliveryStatus.ACCEPTED,
    "sending": DeliveryStatus.ACCEPTED,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.UNDELIVERED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}
CALL_STATUSES = {
    "queued": CallStatus.STARTING,
    "initiated": CallStatus.STARTING,
    "ringing": CallStatus.STARTING,
    "in-progress": CallStatus.IN_PROGRESS,
    "completed": CallStatus.COMPLETED,
    "no-answer": CallStatus.NO_ANSWER,
    "busy": CallStatus.BUSY,
    "failed": CallStatus.FAILED,
    "canceled": CallStatus.FAILED,
}


def _required(form: Mapping[str, str], *names: str) -> list[str]:
    missing = [name for name in names if not form.get(name)]
    if missing:
        raise MalformedEvent(PROVIDER, missing)
    return [form[name] for name in names]


def inbound_sms(form: Mapping[str, str], received_at: datetime) -> InboundText:
    """An SMS from a consumer."""
    sid, sender = _required(form, "MessageSid", "From")
    return InboundText(
        channel="sms",
        address=sender,
        body=form.get("Body", ""),
        provider=PROVIDER,
        provider_id=sid,
        received_at=received_at,
        raw=dict(form),
    )


def message_status(
    form: Mapping[str, str], at: datetime, message_id: str | None = None
) -> StatusReport:
    """A message status callback; ``message_id`` is Parley's id from the callback URL.

    A status Parley does not track (Twilio adds new ones) is kept on the timeline only.
    """
    sid, status = _required(form, "MessageSid", "MessageStatus")
    code = form.get("ErrorCode") or None
    return StatusReport(
        provider=PROVIDER,
        event_id=f"{sid}:{status}",
        provider_message_id=sid,
        status=MESSAGE_STATUSES.get(status),
        provider_status=status,
        at=at,
        message_id=message_id,
        error_code=code,
        effect=effect_for(int(code)) if code and code.isascii() and code.isdigit() else None,
        raw=dict(form),
    )


def _machine(answered_by: str | None) -> bool | None:
    if not answered_by or answered_by == "unknown":
        return None
    return answered_by.startswith("machine") or answered_by == "fax"


def call_report(form: Mapping[str, str], at: datetime, message_id: str | None = None) -> CallReport:
    """A call starting (the voice webhook) or a call status callback.

    The voice webhook carries no CallStatus worth trusting for the outcome, so a call that
    reached the IVR is in progress.
    """
    sid, caller, called = _required(form, "CallSid", "From", "To")
    raw_status = form.get("CallStatus", "in-progress")
    duration = form.get("CallDuration", "")
    return CallReport(
        provider=PROVIDER,
        event_id=f"{sid}:{raw_status}",
        call_id=sid,
        status=CALL_STATUSES.get(raw_status, CallStatus.IN_PROGRESS),
        at=at,
        outbound=form.get("Direction", "inbound").startswith("outbound"),
        caller=caller,
        called=called,
        machine=_machine(form.get("AnsweredBy")),
        duration=int(duration) if duration.isascii() and duration.isdigit() else None,
        message_id=message_id,
        raw=dict(form),
    )


def call_input(form: Mapping[str, str]) -> CallInput:
    """What the caller answered a ``<Gather>`` with (nothing, when it timed out)."""
    try:
        confidence = float(form.get("Confidence") or 0.0)
    except ValueError:
        confidence = 0.0
    if not math.isfinite(confidence):
        confidence = 0.0
    return CallInput(
        digits=form.get("Digits", "").strip(),
        speech=form.get("SpeechResult", "").strip(),
        confidence=confidence,
    )


def recording(form: Mapping[str, str], at: datetime) -> RecordingReport:
    """A recording status callback."""
    sid, url = _required(form, "RecordingSid", "RecordingUrl")
    duration = form.get("RecordingDuration", "")
    return RecordingReport(
        provider=PROVIDER,
        recording_id=sid,
        url=url,
        status=form.get("RecordingStatus", "completed"),
        at=at,
        duration=int(duration) if duration.isascii() and duration.isdigit() else None,
    )
