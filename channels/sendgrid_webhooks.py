"""SendGrid's Event Webhook (a JSON array of events, signature already checked) as neutral events.

SendGrid's vocabulary stops here: its event names, bounce types and drop reasons become the
gateway's DeliveryStatus and contact-point effects. Custom args given at send time come back
flattened onto each event's top level, which is how Parley's own message id returns
(``MESSAGE_ID_ARG``).

The body is hostile until parsed: anything that is not a JSON array of well-formed events is a
MalformedEvent, never another exception (a 500 would make SendGrid retry the same garbage).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, NoReturn

from channels.base import Effect
from channels.events import DeliveryStatus, MalformedEvent, StatusReport

__all__ = ["MESSAGE_ID_ARG", "PROVIDER", "parse_events"]

PROVIDER = "sendgrid"
MESSAGE_ID_ARG = "parley_message_id"

# Plain delivery progress. A deferral means the receiving server asked SendGrid to try again:
# the message is still on its way, so it counts as sent (the gateway's ranking keeps a late
# "deferred" from undoing "delivered").
_PROGRESS = {
    "processed": DeliveryStatus.ACCEPTED,
    "deferred": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
}
# The recipient asked not to get mail (all of it, one group, or by marking it as spam).
_OPT_OUT_EVENTS = frozenset({"unsubscribe", "group_unsubscribe", "spamreport"})

# What a drop reason says about the address. SendGrid's reasons: "Invalid SMTPAPI header", "Spam
# Content (if spam checker app enabled)", "Unsubscribed Address", "Bounced Address", "Spam
# Reporting Address", "Invalid", "Recipient List over Package Quota". Compared whole (and
# case-insensitively): "Invalid" (the address) must not match "Invalid SMTPAPI header" (our
# request's fault).
_DROP_EFFECTS: dict[str, Effect] = {
    "invalid": "invalid_contact",
    "bounced address": "invalid_contact",
    "unsubscribed address": "opted_out",
    "spam reporting address": "opted_out",
}
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
_MAX_SLUG = 48

# A timestamp outside 2000..2100 is garbage, not an event time.
_MIN_TIMESTAMP = 946_684_800
_MAX_TIMESTAMP = 4_102_444_800
_MAX_EVENT_ID = 256


def _refuse_constant(name: str) -> NoReturn:
    """json's hook for NaN, Infinity and -Infinity, which are not JSON."""
    raise ValueError(f"{name} is not JSON")


def _load(payload: bytes) -> Any:
    """The parsed body, or MalformedEvent for anything json would choke on.

    ValueError covers bad JSON, bytes that are not UTF-8, NaN/Infinity and integers too long for
    Python's int limit; RecursionError covers absurdly deep nesting.
    """
    try:
        return json.loads(payload, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise MalformedEvent(PROVIDER, ["body"]) from exc


def _raw(event: Mapping[str, Any]) -> dict[str, str]:
    """The event's fields as text (other JSON values re-encoded).

    A lone surrogate is valid JSON but not Unicode: it is refused here rather than failing later
    when the gateway stores the text.
    """
    raw: dict[str, str] = {}
    bad: list[str] = []
    for key, value in event.items():
        try:
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            key.encode("utf-8")
            text.encode("utf-8")
        except (ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
            bad.append(key.encode("utf-8", "backslashreplace").decode("utf-8"))
            continue
        raw[key] = text
    if bad:
        raise MalformedEvent(PROVIDER, bad)
    return raw


def _event_id(value: object) -> str | None:
    if isinstance(value, str) and value.strip() and len(value) <= _MAX_EVENT_ID:
        return value
    return None


def _event_name(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _event_time(value: object) -> datetime | None:
    # Whole seconds only: bool is an int subclass (true is not a time), a float is not what
    # SendGrid sends, and the range check keeps garbage from becoming a date.
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    if not _MIN_TIMESTAMP <= value <= _MAX_TIMESTAMP:
        return None
    return datetime.fromtimestamp(value, UTC)


def _required(event: Mapping[str, Any]) -> tuple[str, str, datetime]:
    """sg_event_id, event and timestamp, checked; MalformedEvent names every bad one."""
    event_id = _event_id(event.get("sg_event_id"))
    name = _event_name(event.get("event"))
    at = _event_time(event.get("timestamp"))
    if event_id is None or name is None or at is None:
        bad = [
            field
            for field, value in (("sg_event_id", event_id), ("event", name), ("timestamp", at))
            if value is None
        ]
        raise MalformedEvent(PROVIDER, bad)
    return event_id, name, at


def _text(event: Mapping[str, Any], key: str) -> str | None:
    """A string field, stripped; None when absent, blank or not a string."""
    value = event.get(key)
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _drop_code(reason: str | None) -> str:
    """A drop reason as a short error code: "Bounced Address" -> "bounced_address"; a remark in
    parentheses is left out ("Spam Content (if spam checker app enabled)" -> "spam_content")."""
    slug = _SLUG_JUNK.sub("_", (reason or "").partition("(")[0].casefold()).strip("_")
    return slug[:_MAX_SLUG].rstrip("_") or "dropped"


def _outcome(
    name: str, event: Mapping[str, Any]
) -> tuple[str, DeliveryStatus | None, str | None, Effect | None]:
    """(provider_status, status, error_code, effect) for one event."""
    if name in _PROGRESS:
        return name, _PROGRESS[name], None, None
    if name == "bounce":
        # A "bounce" is permanent (the address does not take mail); "blocked" is the receiving
        # server refusing this message for now (reputation, content), which says nothing about
        # the address. An unknown type gets the cautious reading.
        kind = _text(event, "type") or "bounce"
        smtp_status = _text(event, "status")
        if kind == "bounce":
            return "bounce", DeliveryStatus.FAILED, smtp_status or "bounce", "invalid_contact"
        return kind[:_MAX_SLUG], DeliveryStatus.UNDELIVERED, smtp_status or kind[:_MAX_SLUG], None
    if name == "dropped":
        reason = _text(event, "reason")
        effect = _DROP_EFFECTS.get(reason.casefold()) if reason else None
        return name, DeliveryStatus.FAILED, _drop_code(reason), effect
    if name in _OPT_OUT_EVENTS:
        return name, None, None, "opted_out"
    # open, click, group_resubscribe and whatever SendGrid adds later: on the timeline only.
    # A resubscribe is not consent; it never lifts an opt-out here.
    return name, None, None, None


def _report(event: Mapping[str, Any]) -> StatusReport:
    event_id, name, at = _required(event)
    raw = _raw(event)
    provider_status, status, error_code, effect = _outcome(name, event)
    # sg_message_id is the X-Message-Id the Mail Send API returned, plus ".<filter/recv info>".
    sg_message_id = event.get("sg_message_id")
    provider_message_id = sg_message_id.partition(".")[0] if isinstance(sg_message_id, str) else ""
    message_id = event.get(MESSAGE_ID_ARG)
    address = _text(event, "email")
    return StatusReport(
        provider=PROVIDER,
        event_id=event_id,
        provider_message_id=provider_message_id,
        status=status,
        provider_status=provider_status,
        at=at,
        message_id=message_id if isinstance(message_id, str) and message_id else None,
        error_code=error_code,
        effect=effect,
        address=address.lower() if address else None,
        raw=raw,
    )


def parse_events(payload: bytes) -> list[StatusReport]:
    """Every event in an Event Webhook POST body, in order.

    Raises MalformedEvent when the body is not a JSON array of objects, or when any event lacks
    a usable ``sg_event_id``, ``event`` or ``timestamp`` (whole-second Unix time).
    """
    events = _load(payload)
    if not isinstance(events, list):
        raise MalformedEvent(PROVIDER, ["body"])
    if not all(isinstance(event, dict) for event in events):
        raise MalformedEvent(PROVIDER, ["event"])
    return [_report(event) for event in events]
