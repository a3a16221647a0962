"""SendGrid's Event Webhook batches become neutral status reports; garbage is MalformedEvent."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from channels.events import DeliveryStatus, MalformedEvent
from channels.sendgrid_webhooks import MESSAGE_ID_ARG, parse_events

TS = 1773176395
AT = datetime.fromtimestamp(TS, UTC)
SG_MESSAGE_ID = "w2Vmn3FXQ0y1hQwX8yH1Ag.recvd-5f6d8b-abcde-1-69B07A50-3.0"


def event(name: str, **fields: Any) -> dict[str, Any]:
    """One event as SendGrid posts it, Parley's custom arg flattened onto it."""
    return {
        "email": "  Maria.Lopez@Example.COM ",
        "timestamp": TS,
        "smtp-id": "<w2Vmn3FXQ0y1hQwX8yH1Ag@ismtpd0001p1iad2.sendgrid.net>",
        "event": name,
        "category": ["validation_notice"],
        "sg_event_id": f"evt-{name}",
        "sg_message_id": SG_MESSAGE_ID,
        MESSAGE_ID_ARG: "msg_01JNX5Q0ZK",
    } | fields


def body(*events: dict[str, Any]) -> bytes:
    return json.dumps(list(events)).encode()


FAILED, UNDELIVERED = DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED


@pytest.mark.parametrize(
    ("fields", "provider_status", "status", "error_code", "effect"),
    [
        ({"event": "processed"}, "processed", DeliveryStatus.ACCEPTED, None, None),
        (
            {"event": "deferred", "response": "400 try again later", "attempt": "5"},
            "deferred",
            DeliveryStatus.SENT,
            None,
            None,
        ),
        (
            {"event": "delivered", "response": "250 OK"},
            "delivered",
            DeliveryStatus.DELIVERED,
            None,
            None,
        ),
        (
            {
                "event": "bounce",
                "type": "bounce",
                "status": "5.1.1",
                "reason": "550 5.1.1 no such user",
            },
            "bounce",
            FAILED,
            "5.1.1",
            "invalid_contact",
        ),
        ({"event": "bounce", "status": "5.0.0"}, "bounce", FAILED, "5.0.0", "invalid_contact"),
        ({"event": "bounce", "type": "bounce"}, "bounce", FAILED, "bounce", "invalid_contact"),
        (
            {"event": "bounce", "type": "blocked", "status": "4.7.1", "reason": "rate limited"},
            "blocked",
            UNDELIVERED,
            "4.7.1",
            None,
        ),
        ({"event": "bounce", "type": "blocked"}, "blocked", UNDELIVERED, "blocked", None),
        # A bounce type SendGrid may add later: not delivered, but nothing said about the address.
        ({"event": "bounce", "type": "expired"}, "expired", UNDELIVERED, "expired", None),
        (
            {"event": "dropped", "reason": "Invalid"},
            "dropped",
            FAILED,
            "invalid",
            "invalid_contact",
        ),
        (
            {"event": "dropped", "reason": "Bounced Address", "status": "5.0.0"},
            "dropped",
            FAILED,
            "bounced_address",
            "invalid_contact",
        ),
        (
            {"event": "dropped", "reason": "Unsubscribed Address"},
            "dropped",
            FAILED,
            "unsubscribed_address",
            "opted_out",
        ),
        (
            {"event": "dropped", "reason": "Spam Reporting Address"},
            "dropped",
            FAILED,
            "spam_reporting_address",
            "opted_out",
        ),
        # Our own request was at fault, not the address.
        (
            {"event": "dropped", "reason": "Invalid SMTPAPI header"},
            "dropped",
            FAILED,
            "invalid_smtpapi_header",
            None,
        ),
        (
            {"event": "dropped", "reason": "Spam Content (if spam checker app enabled)"},
            "dropped",
            FAILED,
            "spam_content",
            None,
        ),
        (
            {"event": "dropped", "reason": "Recipient List over Package Quota"},
            "dropped",
            FAILED,
            "recipient_list_over_package_quota",
            None,
        ),
        (
            {"event": "dropped", "reason": "Invalid address, maybe? (new reason)"},
            "dropped",
            FAILED,
            "invalid_address_maybe",
            None,
        ),
        ({"event": "dropped"}, "dropped", FAILED, "dropped", None),
        ({"event": "unsubscribe"}, "unsubscribe", None, None, "opted_out"),
        (
            {"event": "group_unsubscribe", "asm_group_id": 10},
            "group_unsubscribe",
            None,
            None,
            "opted_out",
        ),
        ({"event": "spamreport"}, "spamreport", None, None, "opted_out"),
        # Engagement is recorded, never consent: a resubscribe does not lift an opt-out here.
        (
            {"event": "open", "useragent": "Mozilla/5.0", "ip": "203.0.113.9"},
            "open",
            None,
            None,
            None,
        ),
        ({"event": "click", "url": "https://pay.example.com/"}, "click", None, None, None),
        ({"event": "group_resubscribe", "asm_group_id": 10}, "group_resubscribe", None, None, None),
        ({"event": "machine_opened"}, "machine_opened", None, None, None),
    ],
    ids=lambda value: (
        value["event"] + ":" + str(value.get("type") or value.get("reason") or "")
        if isinstance(value, dict)
        else None
    ),
)
def test_every_event_type(
    fields: dict[str, Any],
    provider_status: str,
    status: DeliveryStatus | None,
    error_code: str | None,
    effect: str | None,
) -> None:
    (report,) = parse_events(body(event(fields["event"], **fields)))
    assert (report.provider_status, report.status, report.error_code, report.effect) == (
        provider_status,
        status,
        error_code,
        effect,
    )
    assert report.provider == "sendgrid"
    assert report.event_id == f"evt-{fields['event']}"
    assert report.provider_message_id == "w2Vmn3FXQ0y1hQwX8yH1Ag"
    assert report.message_id == "msg_01JNX5Q0ZK"
    assert report.address == "maria.lopez@example.com"
    assert report.at == AT
    assert report.at.tzinfo is UTC


def test_raw_keeps_every_field_as_text() -> None:
    (report,) = parse_events(body(event("group_unsubscribe", asm_group_id=10, score=0.5, ok=True)))
    assert report.raw["sg_message_id"] == SG_MESSAGE_ID
    assert report.raw["email"] == "  Maria.Lopez@Example.COM "  # as sent; ``address`` is tidied
    assert report.raw["timestamp"] == str(TS)
    assert report.raw["asm_group_id"] == "10"
    assert report.raw["category"] == '["validation_notice"]'
    assert (report.raw["score"], report.raw["ok"]) == ("0.5", "true")
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in report.raw.items())


@pytest.mark.parametrize(
    ("fields", "provider_message_id", "message_id", "address"),
    [
        ({"sg_message_id": "abc"}, "abc", "msg_01JNX5Q0ZK", "maria.lopez@example.com"),
        ({"sg_message_id": "abc.def.ghi"}, "abc", "msg_01JNX5Q0ZK", "maria.lopez@example.com"),
        ({"sg_message_id": None, MESSAGE_ID_ARG: None}, "", None, "maria.lopez@example.com"),
        ({"sg_message_id": 12, MESSAGE_ID_ARG: 12, "email": 12}, "", None, None),
        ({MESSAGE_ID_ARG: "", "email": "   "}, "w2Vmn3FXQ0y1hQwX8yH1Ag", None, None),
    ],
)
def test_optional_fields(
    fields: dict[str, Any], provider_message_id: str, message_id: str | None, address: str | None
) -> None:
    (report,) = parse_events(body(event("delivered", **fields)))
    assert (report.provider_message_id, report.message_id, report.address) == (
        provider_message_id,
        message_id,
        address,
    )


def test_absent_optional_fields() -> None:
    minimal = {"event": "processed", "sg_event_id": "e1", "timestamp": TS}
    (report,) = parse_events(body(minimal))
    assert (report.provider_message_id, report.message_id, report.address) == ("", None, None)


def test_a_realistic_batch_keeps_its_order() -> None:
    # Compact JSON with a CRLF, the way SendGrid posts it; several messages and event types.
    batch = [
        event("processed", sg_event_id="rbtnWrG1DVDGGGFHFyun0A=="),
        event("deferred", sg_event_id="t7LEShmowp86DTdUW8M-GQ==", response="421 try later"),
        event("delivered", sg_event_id="rWVYmVk90MjZJ9iohOBa3w==", response="250 OK"),
        event("open", sg_event_id="FOTFFO0ecsBE-zxFXfs6WA==", sg_machine_open=False),
        event(
            "bounce",
            sg_event_id="6g4ZI7SA-xmRDv57GoPIPw==",
            sg_message_id="Zf0Ag1x2.filter0001",
            email="nobody@example.org",
            parley_message_id="msg_2",
            type="bounce",
            status="5.1.1",
            reason="550 5.1.1 The email account that you tried to reach does not exist.",
            bounce_classification="Invalid Address",
        ),
        event(
            "unsubscribe",
            sg_event_id="zz_BjPgU_5pS-J8vlfB1sg==",
            sg_message_id="Qq9.filter0002",
            parley_message_id="msg_3",
        ),
    ]
    payload = json.dumps(batch, separators=(",", ":")).encode() + b"\r\n"
    reports = parse_events(payload)
    assert [(r.event_id, r.status, r.effect) for r in reports] == [
        ("rbtnWrG1DVDGGGFHFyun0A==", DeliveryStatus.ACCEPTED, None),
        ("t7LEShmowp86DTdUW8M-GQ==", DeliveryStatus.SENT, None),
        ("rWVYmVk90MjZJ9iohOBa3w==", DeliveryStatus.DELIVERED, None),
        ("FOTFFO0ecsBE-zxFXfs6WA==", None, None),
        ("6g4ZI7SA-xmRDv57GoPIPw==", DeliveryStatus.FAILED, "invalid_contact"),
        ("zz_BjPgU_5pS-J8vlfB1sg==", None, "opted_out"),
    ]
    assert [r.provider_message_id for r in reports[3:]] == [
        "w2Vmn3FXQ0y1hQwX8yH1Ag",
        "Zf0Ag1x2",
        "Qq9",
    ]
    assert [r.message_id for r in reports[3:]] == ["msg_01JNX5Q0ZK", "msg_2", "msg_3"]
    assert reports[4].address == "nobody@example.org"
    assert reports[4].raw["bounce_classification"] == "Invalid Address"


def test_an_empty_batch_is_no_events() -> None:
    assert parse_events(b"[]") == []


def _nested(depth: int) -> bytes:
    return (
        b'[{"event":"open","sg_event_id":"e","timestamp":1773176395,"x":'
        + b"[" * depth
        + b"]" * depth
        + b"}]"
    )


GOOD = {"event": "delivered", "sg_event_id": "e1", "timestamp": TS}


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        pytest.param(b"", ["body"], id="empty"),
        pytest.param(b"not json", ["body"], id="not-json"),
        pytest.param(b"\xff\xfe[]", ["body"], id="not-utf8"),
        pytest.param(body(GOOD)[:-3], ["body"], id="truncated"),
        pytest.param(json.dumps(GOOD).encode(), ["body"], id="object-not-array"),
        pytest.param(b"null", ["body"], id="null"),
        pytest.param(b'"events"', ["body"], id="string"),
        pytest.param(b'[1, "two", null]', ["event"], id="array-of-non-objects"),
        pytest.param(body(GOOD, [GOOD]), ["event"], id="nested-array"),  # type: ignore[arg-type]
        pytest.param(body(GOOD | {"sg_event_id": None}), ["sg_event_id"], id="sg_event_id-null"),
        pytest.param(
            body({"event": "open", "timestamp": TS}), ["sg_event_id"], id="missing-sg_event_id"
        ),
        pytest.param(body(GOOD | {"sg_event_id": ""}), ["sg_event_id"], id="empty-sg_event_id"),
        pytest.param(body(GOOD | {"sg_event_id": 42}), ["sg_event_id"], id="numeric-sg_event_id"),
        pytest.param(
            body(GOOD | {"sg_event_id": "x" * 1000}), ["sg_event_id"], id="huge-sg_event_id"
        ),
        pytest.param(body({"sg_event_id": "e", "timestamp": TS}), ["event"], id="missing-event"),
        pytest.param(body(GOOD | {"event": ["open"]}), ["event"], id="list-event"),
        pytest.param(
            body({"sg_event_id": "e", "event": "open"}), ["timestamp"], id="missing-timestamp"
        ),
        pytest.param(body(GOOD | {"timestamp": str(TS)}), ["timestamp"], id="timestamp-string"),
        pytest.param(body(GOOD | {"timestamp": TS + 0.5}), ["timestamp"], id="timestamp-float"),
        pytest.param(body(GOOD | {"timestamp": True}), ["timestamp"], id="timestamp-bool"),
        pytest.param(body(GOOD | {"timestamp": 10**30}), ["timestamp"], id="timestamp-huge"),
        pytest.param(body(GOOD | {"timestamp": -1}), ["timestamp"], id="timestamp-negative"),
        pytest.param(body(GOOD | {"timestamp": TS * 1000}), ["timestamp"], id="timestamp-millis"),
        pytest.param(body({}), ["sg_event_id", "event", "timestamp"], id="empty-object"),
        pytest.param(b'[{"event":"open","sg_event_id":"e","timestamp":NaN}]', ["body"], id="NaN"),
        pytest.param(
            b'[{"event":"open","sg_event_id":"e","timestamp":1,"x":-Infinity}]',
            ["body"],
            id="Infinity",
        ),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, ["body"], id="100k-deep"),
        pytest.param(_nested(100_000), ["body"], id="100k-deep-inside-an-event"),
        pytest.param(
            b'[{"event":"open","sg_event_id":"e","timestamp":' + b"1" * 5000 + b"}]",
            ["body"],
            id="5000-digits",
        ),
        pytest.param(
            b'[{"event":"open","sg_event_id":"\\ud800","timestamp":1773176395}]',
            ["sg_event_id"],
            id="lone-surrogate-id",
        ),
        pytest.param(
            b'[{"event":"open","sg_event_id":"e","timestamp":1773176395,"x":["\\udfff"]}]',
            ["x"],
            id="lone-surrogate-nested",
        ),
        pytest.param(
            b'[{"event":"open","sg_event_id":"e","timestamp":1773176395,"\\ud800":1}]',
            ["\\ud800"],
            id="lone-surrogate-key",
        ),
    ],
)
def test_malformed_payloads(payload: bytes, fields: list[str]) -> None:
    with pytest.raises(MalformedEvent) as caught:
        parse_events(payload)
    assert caught.value.fields == fields
    assert "sendgrid" in str(caught.value)


def test_one_bad_event_refuses_the_batch() -> None:
    with pytest.raises(MalformedEvent):
        parse_events(body(event("delivered"), GOOD | {"timestamp": "soon"}))
