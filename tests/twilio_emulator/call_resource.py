"""The Call resource: its JSON as Twilio returns it, the emulator's bookkeeping kept beside it
(keys starting with ``_``), its life from answer to end, and the parameters of voice requests."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime

from .formats import API_VERSION, account_path, country_of, formatted_number, rfc2822
from .rest import Resource

# Call states after which nothing more happens to a call.
TERMINAL_CALL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})

_SUBRESOURCES = (
    "events",
    "notifications",
    "payments",
    "recordings",
    "siprec",
    "streams",
    "transcriptions",
    "user_defined_message_subscriptions",
    "user_defined_messages",
)


def _camel(name: str) -> str:
    """``user_defined_messages`` -> ``UserDefinedMessages`` (subresource URI segments)."""
    return "".join(part.capitalize() for part in name.split("_"))


def new_call(
    account_sid: str, sid: str, to: str, from_: str, direction: str, now: datetime
) -> Resource:
    """A new, queued Call resource as Twilio returns it, plus the emulator's bookkeeping.

    The bookkeeping defaults describe a call with no TwiML, status callback or answering-machine
    detection; a REST create fills them in from its parameters.
    """
    uri = f"{account_path(account_sid)}/Calls/{sid}"
    # The IncomingPhoneNumber (inbound) or OutgoingCallerId (outbound): stable per number.
    ours = to if direction == "inbound" else from_
    number_sid = "PN" + hashlib.sha256(ours.encode()).hexdigest()[:32]
    return {
        "account_sid": account_sid,
        "answered_by": None,
        "api_version": API_VERSION,
        "caller_name": None,
        "date_created": rfc2822(now),
        "date_updated": rfc2822(now),
        "direction": direction,
        "duration": None,
        "end_time": None,
        "forwarded_from": None,
        "from": from_,
        "from_formatted": formatted_number(from_),
        "group_sid": None,
        "parent_call_sid": None,
        "phone_number_sid": number_sid,
        "price": None,
        "price_unit": "USD",
        "queue_time": "0",
        "sid": sid,
        "start_time": None,
        "status": "queued",
        "stir_verstat": None,
        "subresource_uris": {name: f"{uri}/{_camel(name)}.json" for name in _SUBRESOURCES},
        "to": to,
        "to_formatted": formatted_number(to),
        "trunk_sid": None,
        "uri": f"{uri}.json",
        "_sequence": 0,
        "_events_sent": [],
        "_started_at": None,
        "_url": None,
        "_method": "POST",
        "_twiml": None,
        "_status_callback": None,
        "_status_callback_method": "POST",
        "_status_callback_events": ["completed"],
        "_machine_detection": None,
        "_async_amd": False,
        "_async_amd_status_callback": None,
        "_async_amd_status_callback_method": "POST",
        "_extra_params": {},
    }


def mark_answered(call: Resource, now: datetime) -> None:
    """The call was picked up at ``now``: it is in progress, and its duration counts from here."""
    call.update(status="in-progress", start_time=rfc2822(now), _started_at=now)


def finish(call: Resource, status: str, duration: int | None) -> int:
    """Put a call in its final state; return the duration reported in callbacks.

    Only a ``completed`` call has a duration: ``duration`` seconds, or by default the seconds
    since it was answered, rounded up. Calls that never connected report 0.
    """
    now = datetime.now(UTC)
    seconds = 0
    if status == "completed":
        started = call["_started_at"] or now
        elapsed = math.ceil((now - started).total_seconds())
        seconds = elapsed if duration is None else duration
        call["end_time"] = rfc2822(now)
        call["duration"] = str(seconds)
    call["status"] = status
    call["date_updated"] = rfc2822(now)
    return seconds


def voice_params(account_sid: str, call: Resource) -> dict[str, str]:
    """The parameters Twilio sends with every voice request about ``call``."""
    return {
        "AccountSid": account_sid,
        "ApiVersion": API_VERSION,
        "CallSid": call["sid"],
        "CallStatus": call["status"],
        "Called": call["to"],
        "CalledCountry": country_of(call["to"]),
        "Caller": call["from"],
        "CallerCountry": country_of(call["from"]),
        "Direction": call["direction"],
        "From": call["from"],
        "FromCountry": country_of(call["from"]),
        "To": call["to"],
        "ToCountry": country_of(call["to"]),
        **call["_extra_params"],
    }
