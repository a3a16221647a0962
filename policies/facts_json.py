"""The JSON form of facts, for the audit log: written by `facts_to_dict`, read back by
`facts_from_dict` so `parley policy explain` re-runs a decision on exactly the same input."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Any

from policies.facts import (
    INSTANT_FIELDS,
    ConsentState,
    ContactFacts,
    ContactRecord,
    MessageFacts,
    as_utc,
    check_preferred_hours,
)

_BOOL_FIELDS = (
    "contact_valid",
    "do_not_contact",
    "cease_communication",
    "disputed",
    "validation_recorded",
    "attorney_represented",
    "work_address",
    "time_barred",
)
_OPTIONAL_STRINGS = ("provenance", "consent_source")
_FIELDS = frozenset(ContactFacts.__dataclass_fields__)
_RECORD_FIELDS = frozenset(ContactRecord.__dataclass_fields__)
_MESSAGE_FIELDS = frozenset(MessageFacts.__dataclass_fields__)
# Exactly what `format_clock` writes: a looser parse (time.fromisoformat takes "18", "1800",
# "18:00:30") would let a value that does not round-trip into the audit log.
_CLOCK = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")


def format_instant(instant: datetime) -> str:
    """An aware datetime as ISO-8601 UTC with a trailing Z, exact to the microsecond."""
    return as_utc(instant, "instant").replace(tzinfo=None).isoformat() + "Z"


def parse_instant(text: object, name: str = "instant") -> datetime:
    """Parse what `format_instant` writes (any ISO-8601 instant with an offset) into UTC."""
    if not isinstance(text, str):
        raise ValueError(f"{name} must be an ISO-8601 string, not {type(text).__name__}")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} is not an ISO-8601 instant: {text!r}") from None
    if parsed.utcoffset() is None:
        raise ValueError(f"{name} has no UTC offset: {text!r}")
    return parsed.astimezone(UTC)


def format_clock(value: time) -> str:
    """A local wall-clock time as "HH:MM" (what `parse_clock` reads)."""
    return f"{value:%H:%M}"


def parse_clock(text: object, name: str = "time") -> time:
    """Parse a local wall-clock time written "HH:MM" (00:00 to 23:59); ValueError otherwise."""
    if not isinstance(text, str) or not _CLOCK.fullmatch(text):
        raise ValueError(f"{name} must be a local time written HH:MM, not {text!r}")
    return time(int(text[:2]), int(text[3:]))


def parse_preferred_hours(start: object, end: object) -> tuple[time, time] | None:
    """The consumer's preferred hours from their two stored "HH:MM" bounds, or None when both
    are None. ValueError when only one is set, either is unreadable, or start is not before
    end: a half-read preference must not turn into no restriction at all."""
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise ValueError("preferred hours need both a start and an end, or neither")
    hours = (parse_clock(start, "preferred_hours start"), parse_clock(end, "preferred_hours end"))
    check_preferred_hours(hours)
    return hours


def facts_to_dict(facts: ContactFacts) -> dict[str, Any]:
    """The facts as JSON-ready values (datetimes as ISO-8601 UTC strings), for the audit log."""
    return {
        "channel": facts.channel,
        "purpose": facts.purpose,
        "consent": facts.consent.value,
        "timezones": list(facts.timezones),
        "postal_code": facts.postal_code,
        "phones": list(facts.phones),
        "contact_valid": facts.contact_valid,
        "history": [
            {
                "channel": r.channel,
                "direction": r.direction,
                "at": format_instant(r.at),
                "outcome": r.outcome,
            }
            for r in facts.history
        ],
        "do_not_contact": facts.do_not_contact,
        "cease_communication": facts.cease_communication,
        "disputed": facts.disputed,
        "validation_recorded": facts.validation_recorded,
        "attorney_represented": facts.attorney_represented,
        **{
            name: None if (value := getattr(facts, name)) is None else format_instant(value)
            for name in INSTANT_FIELDS
        },
        "provenance": facts.provenance,
        "work_address": facts.work_address,
        "consent_source": facts.consent_source,
        "time_barred": facts.time_barred,
        "message": None
        if facts.message is None
        else {
            "text": facts.message.text,
            "kind": facts.message.kind,
            "initial": facts.message.initial,
            "threatens_legal_action": facts.message.threatens_legal_action,
        },
        "preferred_hours": None
        if facts.preferred_hours is None
        else [format_clock(bound) for bound in facts.preferred_hours],
    }


def facts_from_dict(data: dict[str, Any]) -> ContactFacts:
    """Rebuild facts written by `facts_to_dict`; ValueError on anything else.

    Fields with a default may be absent (older audit entries), unknown fields are rejected.
    """
    if not isinstance(data, dict):
        raise ValueError("facts must be a JSON object")
    unknown = set(data) - _FIELDS
    if unknown:
        raise ValueError(f"unknown facts field(s): {', '.join(sorted(unknown))}")
    for name in ("channel", "purpose", "consent", "timezones"):
        if name not in data:
            raise ValueError(f"facts field {name!r} is required")
    kwargs: dict[str, Any] = {
        "channel": _string(data["channel"], "channel"),
        "purpose": _string(data["purpose"], "purpose"),
        "consent": ConsentState(_string(data["consent"], "consent")),
        "timezones": _strings(data["timezones"], "timezones"),
    }
    if data.get("postal_code") is not None:
        kwargs["postal_code"] = _string(data["postal_code"], "postal_code")
    if "phones" in data:
        kwargs["phones"] = _strings(data["phones"], "phones")
    for name in _BOOL_FIELDS:
        if name in data:
            if not isinstance(data[name], bool):
                raise ValueError(f"facts field {name!r} must be true or false")
            kwargs[name] = data[name]
    if "history" in data:
        kwargs["history"] = tuple(_record(item) for item in _list(data["history"], "history"))
    for name in INSTANT_FIELDS:
        if data.get(name) is not None:
            kwargs[name] = parse_instant(data[name], name)
    for name in _OPTIONAL_STRINGS:
        if data.get(name) is not None:
            kwargs[name] = _string(data[name], name)
    if data.get("message") is not None:
        kwargs["message"] = _message(data["message"])
    # Absent in audit rows written before the consumer could state preferred hours.
    if data.get("preferred_hours") is not None:
        kwargs["preferred_hours"] = _preferred_hours(data["preferred_hours"])
    return ContactFacts(**kwargs)


def _preferred_hours(value: object) -> tuple[time, time]:
    bounds = _list(value, "preferred_hours")
    if len(bounds) != 2:
        raise ValueError("facts field 'preferred_hours' must be [start, end] or null")
    hours = parse_preferred_hours(*bounds)
    if hours is None:
        raise ValueError("facts field 'preferred_hours' must be [start, end] or null")
    return hours


def _message(item: object) -> MessageFacts:
    if not isinstance(item, dict) or set(item) != _MESSAGE_FIELDS:
        raise ValueError(f"a message must have exactly the fields {sorted(_MESSAGE_FIELDS)}")
    for name in ("initial", "threatens_legal_action"):
        if not isinstance(item[name], bool):
            raise ValueError(f"facts field 'message.{name}' must be true or false")
    return MessageFacts(
        text=_string(item["text"], "message.text"),
        kind=_string(item["kind"], "message.kind"),
        initial=item["initial"],
        threatens_legal_action=item["threatens_legal_action"],
    )


def _record(item: object) -> ContactRecord:
    if not isinstance(item, dict) or set(item) != _RECORD_FIELDS:
        raise ValueError(f"a history entry must have exactly the fields {sorted(_RECORD_FIELDS)}")
    return ContactRecord(
        channel=_string(item["channel"], "history.channel"),
        direction=_string(item["direction"], "history.direction"),
        at=parse_instant(item["at"], "history.at"),
        outcome=_string(item["outcome"], "history.outcome"),
    )


def _string(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"facts field {name!r} must be a string")
    return value


def _list(value: object, name: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"facts field {name!r} must be a list")
    return list(value)


def _strings(value: object, name: str) -> tuple[str, ...]:
    return tuple(_string(v, name) for v in _list(value, name))
