import json
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import policies.channels
from policies import (
    CHANNELS,
    PURPOSES,
    ConsentState,
    ContactFacts,
    ContactRecord,
    MessageFacts,
    facts_from_dict,
    facts_to_dict,
)


def _facts(**overrides: Any) -> ContactFacts:
    fields: dict[str, Any] = {
        "channel": "sms",
        "purpose": "collection",
        "consent": ConsentState.GRANTED,
        "timezones": (),
    }
    return ContactFacts(**(fields | overrides))


def test_vocabularies() -> None:
    assert CHANNELS == ("sms", "email", "voice", "chat")
    assert PURPOSES == ("collection", "validation_notice", "transactional", "reply")
    assert [c.value for c in ConsentState] == ["granted", "revoked", "missing"]


def test_flags_default_to_false() -> None:
    facts = _facts()
    assert (
        facts.do_not_contact,
        facts.cease_communication,
        facts.disputed,
        facts.validation_recorded,
        facts.attorney_represented,
    ) == (False, False, False, False, False)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"channel": "fax"}, ValueError),
        ({"channel": "SMS"}, ValueError),
        ({"channel": "web_chat"}, ValueError),
        ({"purpose": "marketing"}, ValueError),
        ({"consent": "maybe"}, ValueError),
        ({"timezones": ["America/New_York"]}, TypeError),
        ({"timezones": "America/New_York"}, TypeError),
    ],
)
def test_invalid_facts_are_rejected(overrides: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        _facts(**overrides)


@pytest.mark.parametrize("raw", ["granted", "revoked", "missing"])
def test_consent_given_as_string_is_coerced(raw: str) -> None:
    consent = _facts(consent=raw).consent
    assert type(consent) is ConsentState
    assert consent is ConsentState(raw)


def test_field_order_is_the_interface() -> None:
    assert list(ContactFacts.__dataclass_fields__) == [
        "channel",
        "purpose",
        "consent",
        "timezones",
        "postal_code",
        "phones",
        "contact_valid",
        "history",
        "do_not_contact",
        "cease_communication",
        "disputed",
        "validation_recorded",
        "attorney_represented",
        "last_inbound_at",
        "provenance",
        "work_address",
        "consumer_used_at",
        "reassigned_check_at",
        "consent_source",
        "time_barred",
        "message",
        "preferred_hours",
    ]
    assert list(ContactRecord.__dataclass_fields__) == ["channel", "direction", "at", "outcome"]


def test_new_fields_default_to_nothing_known() -> None:
    facts = _facts()
    assert (facts.postal_code, facts.phones, facts.history, facts.last_inbound_at) == (
        None,
        (),
        (),
        None,
    )
    assert (facts.contact_valid, facts.validation_recorded) == (True, False)


AT = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("America/Chicago"))


def test_datetimes_are_normalised_to_utc() -> None:
    record = ContactRecord("voice", "outbound", AT, "no_answer")
    assert record.at.tzinfo is UTC
    assert record.at == AT
    facts = _facts(last_inbound_at=AT, history=(record,))
    assert facts.last_inbound_at is not None
    assert facts.last_inbound_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (("fax", "outbound", AT, "sent"), ValueError, "unknown channel 'fax'"),
        (("sms", "sideways", AT, "sent"), ValueError, "unknown direction 'sideways'"),
        (("sms", "outbound", AT, "read"), ValueError, "unknown contact outcome 'read'"),
        (("sms", "outbound", datetime(2026, 3, 2, 9), "sent"), ValueError, "timezone-aware"),
        (("sms", "outbound", "2026-03-02T09:00:00Z", "sent"), TypeError, "must be a datetime"),
    ],
)
def test_invalid_records_are_rejected(
    args: tuple[Any, ...], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        ContactRecord(*args)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"phones": ["+14155550123"]}, TypeError),
        ({"phones": "+14155550123"}, TypeError),
        ({"phones": (14155550123,)}, TypeError),
        ({"postal_code": 60601}, TypeError),
        ({"history": [ContactRecord("sms", "outbound", AT, "sent")]}, TypeError),
        ({"history": ({"channel": "sms"},)}, TypeError),
        ({"last_inbound_at": datetime(2026, 3, 2)}, ValueError),
        ({"last_inbound_at": "2026-03-02T09:00:00Z"}, TypeError),
        ({"timezones": (1,)}, TypeError),
    ],
)
def test_invalid_new_fields_are_rejected(overrides: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        _facts(**overrides)


FULL = ContactFacts(
    channel="voice",
    purpose="reply",
    consent=ConsentState.REVOKED,
    timezones=("America/Chicago", "Asia/Kolkata"),
    postal_code="60601-1234",
    phones=("+13125550142", "+18005550100"),
    contact_valid=False,
    history=(
        ContactRecord("voice", "outbound", AT, "conversation"),
        ContactRecord("sms", "inbound", AT + timedelta(microseconds=5), "delivered"),
    ),
    do_not_contact=True,
    cease_communication=True,
    disputed=True,
    validation_recorded=True,
    attorney_represented=True,
    last_inbound_at=AT + timedelta(minutes=1),
    provenance="skip_trace",
    work_address=True,
    consumer_used_at=AT - timedelta(days=3),
    reassigned_check_at=AT - timedelta(days=1),
    consent_source="written",
    time_barred=True,
    message=MessageFacts(text="Call us.", kind="collection", initial=True),
    preferred_hours=(time(18), time(20, 30)),
)
FULL_DICT = {
    "channel": "voice",
    "purpose": "reply",
    "consent": "revoked",
    "timezones": ["America/Chicago", "Asia/Kolkata"],
    "postal_code": "60601-1234",
    "phones": ["+13125550142", "+18005550100"],
    "contact_valid": False,
    "history": [
        {
            "channel": "voice",
            "direction": "outbound",
            "at": "2026-03-02T15:30:00Z",
            "outcome": "conversation",
        },
        {
            "channel": "sms",
            "direction": "inbound",
            "at": "2026-03-02T15:30:00.000005Z",
            "outcome": "delivered",
        },
    ],
    "do_not_contact": True,
    "cease_communication": True,
    "disputed": True,
    "validation_recorded": True,
    "attorney_represented": True,
    "last_inbound_at": "2026-03-02T15:31:00Z",
    "consumer_used_at": "2026-02-27T15:30:00Z",
    "reassigned_check_at": "2026-03-01T15:30:00Z",
    "provenance": "skip_trace",
    "work_address": True,
    "consent_source": "written",
    "time_barred": True,
    "message": {
        "text": "Call us.",
        "kind": "collection",
        "initial": True,
        "threatens_legal_action": False,
    },
    "preferred_hours": ["18:00", "20:30"],
}


def test_facts_to_dict_is_json_ready() -> None:
    as_dict = facts_to_dict(FULL)
    assert as_dict == FULL_DICT
    assert json.loads(json.dumps(as_dict)) == as_dict


def test_the_channel_list_is_named_once() -> None:
    assert CHANNELS is policies.channels.CHANNELS


@pytest.mark.parametrize("channel", CHANNELS)
def test_every_channel_is_accepted_and_round_trips(channel: str) -> None:
    record = ContactRecord(channel, "inbound", AT, "delivered")
    contact = _facts(channel=channel, history=(record,), last_inbound_at=AT)
    assert facts_from_dict(json.loads(json.dumps(facts_to_dict(contact)))) == contact


def test_facts_round_trip() -> None:
    assert facts_from_dict(json.loads(json.dumps(facts_to_dict(FULL)))) == FULL
    assert facts_from_dict(facts_to_dict(_facts())) == _facts()


def test_older_audit_entries_without_the_new_fields_still_load() -> None:
    old = {
        "channel": "sms",
        "purpose": "collection",
        "consent": "granted",
        "timezones": ["America/Chicago"],
        "contact_valid": True,
        "do_not_contact": False,
        "cease_communication": False,
        "disputed": False,
        "attorney_represented": False,
    }
    assert facts_from_dict(old) == _facts(timezones=("America/Chicago",))


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"extra": 1}, "unknown facts field"),
        ({"channel": None}, "'channel' must be a string"),
        ({"consent": "maybe"}, "maybe"),
        ({"timezones": "America/Chicago"}, "'timezones' must be a list"),
        ({"phones": [1]}, "'phones' must be a string"),
        ({"disputed": "yes"}, "'disputed' must be true or false"),
        ({"contact_valid": 1}, "'contact_valid' must be true or false"),
        ({"last_inbound_at": "yesterday"}, "not an ISO-8601 instant"),
        ({"last_inbound_at": "2026-03-02T14:31:00"}, "no UTC offset"),
        ({"last_inbound_at": 1700000000}, "must be an ISO-8601 string"),
        ({"history": [{"channel": "sms"}]}, "history entry must have exactly"),
        (
            {
                "history": [
                    {"channel": "sms", "direction": "outbound", "at": "x", "outcome": "sent"}
                ]
            },
            "history.at",
        ),
        ({"postal_code": 60601}, "'postal_code' must be a string"),
    ],
)
def test_facts_from_dict_rejects_what_it_did_not_write(change: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        facts_from_dict(FULL_DICT | change)


@pytest.mark.parametrize("missing", ["channel", "purpose", "consent", "timezones"])
def test_facts_from_dict_requires_the_fields_without_default(missing: str) -> None:
    data = {k: v for k, v in FULL_DICT.items() if k != missing}
    with pytest.raises(ValueError, match=f"'{missing}' is required"):
        facts_from_dict(data)


def test_facts_from_dict_rejects_non_objects() -> None:
    with pytest.raises(ValueError, match="JSON object"):
        facts_from_dict([])  # type: ignore[arg-type]
