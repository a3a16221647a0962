"""Twilio's webhook forms become neutral events: no Twilio word reaches the gateway."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from channels import twilio_webhooks
from channels.events import CallStatus, DeliveryStatus, MalformedEvent

AT = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)
CALL = {"CallSid": "CA1", "From": "+13125550123", "To": "+13125550000"}


@pytest.mark.parametrize(
    ("twilio", "neutral"),
    [
        ("accepted", DeliveryStatus.ACCEPTED),
        ("scheduled", DeliveryStatus.ACCEPTED),
        ("queued", DeliveryStatus.ACCEPTED),
        ("sending", DeliveryStatus.ACCEPTED),
        ("sent", DeliveryStatus.SENT),
        ("delivered", DeliveryStatus.DELIVERED),
        ("read", DeliveryStatus.DELIVERED),
        ("undelivered", DeliveryStatus.UNDELIVERED),
        ("failed", DeliveryStatus.FAILED),
        ("canceled", DeliveryStatus.FAILED),
        ("partially_delivered", None),  # a status Parley does not track: timeline only
    ],
)
def test_message_statuses(twilio: str, neutral: DeliveryStatus | None) -> None:
    form = {"MessageSid": "SM1", "MessageStatus": twilio}
    report = twilio_webhooks.message_status(form, AT, "msg_1")
    assert (report.status, report.provider_status) == (neutral, twilio)
    assert (report.event_id, report.provider_message_id, report.message_id) == (
        f"SM1:{twilio}",
        "SM1",
        "msg_1",
    )
    assert report.raw == form


@pytest.mark.parametrize(
    ("code", "effect"),
    [("21610", "opted_out"), ("30006", "invalid_contact"), ("30001", None), ("\uff13\uff10", None)],
)
def test_error_codes_say_what_they_mean_for_the_contact_point(
    code: str, effect: str | None
) -> None:
    form = {"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": code}
    report = twilio_webhooks.message_status(form, AT)
    assert (report.error_code, report.effect) == (code, effect)


@pytest.mark.parametrize(
    ("twilio", "neutral", "final"),
    [
        ("queued", CallStatus.STARTING, False),
        ("ringing", CallStatus.STARTING, False),
        ("in-progress", CallStatus.IN_PROGRESS, False),
        ("completed", CallStatus.COMPLETED, True),
        ("no-answer", CallStatus.NO_ANSWER, True),
        ("busy", CallStatus.BUSY, True),
        ("failed", CallStatus.FAILED, True),
        ("canceled", CallStatus.FAILED, True),
    ],
)
def test_call_statuses(twilio: str, neutral: CallStatus, final: bool) -> None:
    report = twilio_webhooks.call_report(CALL | {"CallStatus": twilio}, AT)
    assert (report.status, report.final, report.event_id) == (neutral, final, f"CA1:{twilio}")


@pytest.mark.parametrize(
    ("answered_by", "machine", "said"),
    [
        (None, None, None),
        ("unknown", None, None),
        ("human", False, "human"),
        ("machine_start", True, "machine"),
        ("machine_end_beep", True, "machine"),
        ("fax", True, "machine"),
    ],
)
def test_answering_machine_detection(
    answered_by: str | None, machine: bool | None, said: str | None
) -> None:
    form = CALL | ({"AnsweredBy": answered_by} if answered_by else {})
    report = twilio_webhooks.call_report(form, AT)
    assert (report.machine, report.answered_by) == (machine, said)


@pytest.mark.parametrize(
    ("direction", "address"), [("inbound", "+13125550123"), ("outbound-api", "+13125550000")]
)
def test_the_consumer_is_whoever_is_not_parley(direction: str, address: str) -> None:
    report = twilio_webhooks.call_report(CALL | {"Direction": direction}, AT)
    assert report.address == address


@pytest.mark.parametrize(
    ("form", "digits", "speech", "confidence"),
    [
        ({}, "", "", 0.0),
        ({"Digits": " 12 "}, "12", "", 0.0),
        ({"SpeechResult": "promise", "Confidence": "0.92"}, "", "promise", 0.92),
        ({"SpeechResult": "x", "Confidence": "nan"}, "", "x", 0.0),
        ({"SpeechResult": "x", "Confidence": "high"}, "", "x", 0.0),
    ],
)
def test_what_the_caller_answered(
    form: dict[str, str], digits: str, speech: str, confidence: float
) -> None:
    heard = twilio_webhooks.call_input(form)
    assert (heard.digits, heard.speech, heard.confidence) == (digits, speech, confidence)
    assert heard.empty is (not digits and not speech)


@pytest.mark.parametrize(
    ("parse", "form", "missing"),
    [
        (twilio_webhooks.inbound_sms, {"From": "+13125550123"}, ["MessageSid"]),
        (twilio_webhooks.recording, {}, ["RecordingSid", "RecordingUrl"]),
    ],
)
def test_a_form_without_what_twilio_always_sends_is_malformed(
    parse: object, form: dict[str, str], missing: list[str]
) -> None:
    with pytest.raises(MalformedEvent) as raised:
        parse(form, AT)  # type: ignore[operator]
    assert raised.value.fields == missing


def test_an_inbound_sms_keeps_what_twilio_sent() -> None:
    form = {"MessageSid": "SM9", "From": "+13125550123", "Body": "STOP", "To": "+13125550000"}
    text = twilio_webhooks.inbound_sms(form, AT)
    assert (text.channel, text.address, text.body, text.provider_id) == (
        "sms",
        "+13125550123",
        "STOP",
        "SM9",
    )
    assert text.raw == form
    assert text.conversation_id is None
