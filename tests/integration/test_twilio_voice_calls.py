"""Calls placed through Twilio: answering-machine detection and the limited-content message,
every attempt's outcome in the contact history, and call frequency deferring the next call."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from helpers import PHONE, outreach_body
from sqlalchemy import select
from twilio_emulator import TwilioEmulator
from twilio_fixtures import PARLEY_NUMBER, PUBLIC_URL
from twilio_voice_helpers import (
    CREDITOR,
    DAYTIME,
    daytime,  # noqa: F401 - autouse: the clock reads 15:00 in Chicago
    new_account,
    rows,
    spoken,
    verified,
)

from channels import twilio_webhooks
from gateway import clock
from gateway.config import Settings
from gateway.db.tables import calls, contact_events


async def place_call(
    client: Any, emulator: TwilioEmulator, drain: Any, key: str
) -> tuple[str, str]:
    """A voice outreach, sent by the worker; returns the outreach id and the call's sid."""
    response = await client.post(
        "/v1/outreach",
        json=outreach_body(channel="voice"),
        headers={"Idempotency-Key": key},
    )
    body = await response.json()
    assert response.status == 202, body
    assert body["status"] == "queued", body
    await drain()
    return str(body["id"]), str(next(reversed(emulator.calls)))


async def test_a_machine_hears_the_limited_content_message_and_nothing_more(
    twilio_client: Any,
    twilio_settings: Settings,
    twilio_drain: Any,
    emulator: TwilioEmulator,
) -> None:
    emulator.route_public(PUBLIC_URL, str(twilio_client.make_url("")))
    await new_account(twilio_client)
    oid, sid = await place_call(twilio_client, emulator, twilio_drain, "call-1")
    (create,) = emulator.call_requests()
    form = {name: values[-1] for name, values in create.form.items()}
    assert form["To"] == PHONE
    assert form["From"] == PARLEY_NUMBER
    assert form["Url"].startswith(f"{PUBLIC_URL}/webhooks/twilio/voice?message_id=msg_")
    assert form["MachineDetection"] == "DetectMessageEnd"
    assert create.form["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    machine = await emulator.answer_call(sid, answered_by="machine_end_beep")
    said = spoken(machine)
    assert machine.hangup
    assert machine.gather is None
    assert "Alex Morgan" in said
    assert "Parley Services" in said
    assert "8 0 0 5 5 5 0 1 0 0" in said
    for forbidden in (CREDITOR, "debt", "432", "Recovery", "Dana"):
        assert forbidden not in said
    await emulator.end_call(sid, "completed", duration=25)
    (event,) = await rows(twilio_settings, select(contact_events))
    assert (event.channel, event.direction, event.outcome) == ("voice", "outbound", "voicemail")
    view = await (await twilio_client.get(f"/v1/outreach/{oid}")).json()
    assert view["status"] == "delivered"


@pytest.mark.parametrize(
    ("answered_by", "ending", "outcome"),
    [
        ("human", "completed", "conversation"),
        (None, "no-answer", "no_answer"),
        (None, "busy", "busy"),
        (None, "failed", "failed"),
    ],
)
async def test_every_call_attempt_records_its_outcome(
    twilio_client: Any,
    twilio_settings: Settings,
    twilio_drain: Any,
    emulator: TwilioEmulator,
    answered_by: str | None,
    ending: str,
    outcome: str,
) -> None:
    emulator.route_public(PUBLIC_URL, str(twilio_client.make_url("")))
    await new_account(twilio_client)
    _, sid = await place_call(twilio_client, emulator, twilio_drain, "call-1")
    if answered_by is not None:
        person = await emulator.answer_call(sid, answered_by=answered_by)
        assert person.gather is not None
        assert "date of birth" in spoken(person)
    await emulator.end_call(sid, ending)
    (event,) = await rows(twilio_settings, select(contact_events))
    assert event.outcome == outcome
    (call,) = await rows(twilio_settings, select(calls))
    status = twilio_webhooks.CALL_STATUSES[ending]  # kept in Parley's words
    assert (call.status, call.outcome, call.direction) == (status, outcome, "outbound")


async def test_an_eighth_call_in_seven_days_is_deferred(
    twilio_client: Any,
    twilio_drain: Any,
    emulator: TwilioEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emulator.route_public(PUBLIC_URL, str(twilio_client.make_url("")))
    await new_account(twilio_client)
    for day in range(7):
        monkeypatch.setattr(clock, "utcnow", lambda day=day: DAYTIME + timedelta(minutes=20 * day))
        _, sid = await place_call(twilio_client, emulator, twilio_drain, f"call-{day}")
        await emulator.end_call(sid, "no-answer")
    monkeypatch.setattr(clock, "utcnow", lambda: DAYTIME + timedelta(minutes=140))
    response = await twilio_client.post(
        "/v1/outreach", json=outreach_body(channel="voice"), headers={"Idempotency-Key": "call-8"}
    )
    decision = (await response.json())["decision"]
    assert decision["outcome"] == "defer"
    assert "call_frequency_7in7" in [r["rule"] for r in decision["reasons"]]
    assert decision["not_before"] >= "2026-03-16"  # after the first attempt leaves the window
    assert len(emulator.call_requests()) == 7


async def test_a_call_ending_in_a_conversation_holds_the_next_call_for_seven_days(
    twilio_client: Any, twilio_drain: Any, emulator: TwilioEmulator
) -> None:
    emulator.route_public(PUBLIC_URL, str(twilio_client.make_url("")))
    await new_account(twilio_client)
    menu = await verified(emulator, twilio_client)
    sid = next(iter(emulator.calls))
    await menu.press("4")
    await emulator.end_call(sid, "completed", duration=60)
    response = await twilio_client.post(
        "/v1/outreach", json=outreach_body(channel="voice"), headers={"Idempotency-Key": "next"}
    )
    decision = (await response.json())["decision"]
    assert decision["outcome"] == "defer"
    assert "call_after_conversation" in [r["rule"] for r in decision["reasons"]]
