"""Voice through Twilio: the IVR's TwiML, outbound calls with answering-machine detection, and
call outcomes in the contact history (the emulator plays the phone network)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from helpers import PHONE, account_body, outreach_body, select_rows
from sqlalchemy import select
from twilio_emulator import TwilioEmulator, VoiceStep
from twilio_fixtures import PARLEY_NUMBER, PUBLIC_URL

from channels import twilio_webhooks
from channels.twilio_signature import SIGNATURE_HEADER, compute_signature
from gateway import clock
from gateway.config import Settings
from gateway.db.tables import calls, contact_events, conversations, provider_events, recordings

DAYTIME = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)  # Tuesday 15:00 in Chicago
VOICE_PATH = "/webhooks/twilio/voice"
CREDITOR = "Acme Bank"


@pytest.fixture(autouse=True)
def daytime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "utcnow", lambda: DAYTIME)


async def new_account(client: Any, **overrides: Any) -> None:
    body = account_body(**overrides)
    body["debtor"] |= {"date_of_birth": "1985-03-14"}
    body["contacts"].append({"channel": "voice", "address": PHONE, "consent": True})
    response = await client.put("/v1/accounts/A-1", json=body)
    assert response.status in (200, 201), await response.text()


async def ring(emulator: TwilioEmulator, client: Any, from_: str = PHONE) -> VoiceStep:
    return await emulator.start_inbound_call(
        str(client.make_url(VOICE_PATH)),
        from_=from_,
        to=PARLEY_NUMBER,
        public_url=PUBLIC_URL + VOICE_PATH,
        status_callback=PUBLIC_URL + "/webhooks/twilio/voice/status",
    )


async def verified(emulator: TwilioEmulator, client: Any) -> VoiceStep:
    greeting = await ring(emulator, client)
    return await greeting.press("03141985")


def spoken(step: VoiceStep) -> str:
    return " ".join(step.says())


async def rows(settings: Settings, query: Any) -> list[Any]:
    return await select_rows(settings.database_url, query)


async def updates(client: Any) -> list[dict[str, Any]]:
    return list((await (await client.get("/v1/accounts/A-1/updates")).json())["updates"])


async def test_the_greeting_discloses_nothing_and_gathers_keys_or_speech(
    twilio_client: Any, emulator: TwilioEmulator
) -> None:
    await new_account(twilio_client)
    greeting = await ring(emulator, twilio_client)
    assert greeting.status == 200
    gather = greeting.gather
    assert gather is not None
    assert gather.attrib["input"] == "dtmf speech"
    assert gather.attrib["action"].startswith(f"{PUBLIC_URL}/webhooks/twilio/voice/gather?call=")
    said = spoken(greeting)
    assert "date of birth" in said
    for secret in (CREDITOR, "debt", "432", "Parley Recovery"):
        assert secret not in said
    assert greeting.redirect is not None  # silence comes back to us as a miss


async def test_a_wrong_birth_date_is_asked_again_and_the_right_one_opens_the_menu(
    twilio_client: Any, emulator: TwilioEmulator
) -> None:
    await new_account(twilio_client)
    greeting = await ring(emulator, twilio_client)
    again = await greeting.press("01011990")
    assert "did not match" in spoken(again)
    assert CREDITOR not in spoken(again)
    menu = await again.press("03141985")
    said = spoken(menu)
    assert "debt collector" in said
    assert "Parley Recovery Services" in said
    assert "press 1" in said.lower()
    assert menu.gather is not None
    assert menu.gather.attrib["numDigits"] == "1"


async def test_the_birth_date_can_be_said(twilio_client: Any, emulator: TwilioEmulator) -> None:
    await new_account(twilio_client)
    greeting = await ring(emulator, twilio_client)
    menu = await greeting.speak("March 14th 1985")
    assert "debt collector" in spoken(menu)


async def test_a_promise_by_keypad_is_read_back_confirmed_and_recorded(
    twilio_client: Any, emulator: TwilioEmulator
) -> None:
    await new_account(twilio_client)
    menu = await verified(emulator, twilio_client)
    amount = await menu.press("1")
    assert "amount" in spoken(amount)
    too_much = await amount.press("900#")
    assert "432.10" in spoken(too_much)  # more than the balance: said why, asked again
    when = await too_much.press("50*5#")
    assert "date" in spoken(when)
    confirm = await when.press("0320")
    said = spoken(confirm)
    assert "$50.50" in said
    assert "March 20" in said
    done = await confirm.press("1")
    assert "is recorded" in spoken(done)
    assert done.gather is not None
    (promise,) = [u for u in await updates(twilio_client) if u["kind"] == "promise_to_pay"]
    assert promise["source"] == "ivr"
    assert (promise["data"]["amount"], promise["data"]["date"]) == ("50.50", "2026-03-20")


async def test_changing_a_promise_starts_it_again_and_records_nothing(
    twilio_client: Any, emulator: TwilioEmulator
) -> None:
    await new_account(twilio_client)
    menu = await verified(emulator, twilio_client)
    confirm = await (await (await menu.press("1")).press("50#")).press("0320")
    restart = await confirm.press("2")
    assert "amount" in spoken(restart)
    assert [u for u in await updates(twilio_client) if u["kind"] == "promise_to_pay"] == []


async def test_a_retried_webhook_for_an_earlier_step_records_nothing_twice(
    twilio_client: Any, emulator: TwilioEmulator
) -> None:
    await new_account(twilio_client)
    menu = await verified(emulator, twilio_client)
    confirm = await (await (await menu.press("1")).press("50#")).press("0320")
    await confirm.press("1")
    replay = await confirm.press("1")  # Twilio retrying the confirm webhook
    assert "press 1" in spoken(replay).lower()
    promises = [u for u in await updates(twilio_client) if u["kind"] == "promise_to_pay"]
    assert len(promises) == 1


async def test_balance_dispute_and_the_dispute_hold(
    twilio_client: Any, emulator: TwilioEmulator
) -> None:
    await new_account(twilio_client)
    menu = await verified(emulator, twilio_client)
    balance = await menu.press("4")
    assert "$432.10" in spoken(balance)
    assert CREDITOR in spoken(balance)
    disputed = await balance.press("2")
    assert "dispute is recorded" in spoken(disputed)
    (dispute,) = [u for u in await updates(twilio_client) if u["kind"] == "dispute"]
    assert dispute["data"]["reason"] == "stated by phone"
    response = await twilio_client.post(
        "/v1/outreach", json=outreach_body(), headers={"Idempotency-Key": "after-dispute"}
    )
    rules = [r["rule"] for r in (await response.json())["decision"]["reasons"]]
    assert "dispute_hold" in rules


async def test_hardship_hands_off_and_without_an_agent_number_takes_a_message(
    twilio_client: Any, twilio_settings: Settings, emulator: TwilioEmulator
) -> None:
    await new_account(twilio_client)
    menu = await verified(emulator, twilio_client)
    hardship = await menu.press("3")
    assert hardship.record is not None
    assert hardship.dial is None
    callback = hardship.record.attrib["recordingStatusCallback"]
    assert callback.startswith(f"{PUBLIC_URL}/webhooks/twilio/voice/recording?call=")
    goodbye = await hardship.finish_recording(duration=14)
    assert goodbye.hangup
    assert "message has been saved" in spoken(goodbye)
    kinds = [u["kind"] for u in await updates(twilio_client)]
    assert kinds == ["hardship", "handoff"]
    (recording,) = await rows(twilio_settings, select(recordings))
    assert recording.url.startswith("https://api.twilio.com/") or recording.url.startswith("http")
    assert recording.duration_seconds == 14
    assert recording.account_id is not None
    (conversation,) = await rows(twilio_settings, select(conversations))
    assert conversation.state == "escalated"


async def test_an_agent_is_dialled_when_one_is_configured(
    twilio_settings: Settings, emulator: TwilioEmulator, gateway: Any
) -> None:
    staffed = twilio_settings.model_copy(update={"voice_agent_dial": "queue:collections"})
    client = await gateway(staffed)
    await new_account(client)
    menu = await verified(emulator, client)
    transfer = await menu.press("0")
    assert transfer.dial is not None
    assert transfer.dial.find("Queue") is not None
    assert transfer.dial.find("Queue").text == "collections"  # type: ignore[union-attr]
    kinds = [u["kind"] for u in await updates(client)]
    assert kinds == ["handoff"]


async def test_silence_and_bad_keys_are_asked_again_twice_then_a_message_is_taken(
    twilio_client: Any, emulator: TwilioEmulator
) -> None:
    await new_account(twilio_client)
    menu = await verified(emulator, twilio_client)
    first = await menu.silence()
    assert "did not get that" in spoken(first)
    assert first.gather is not None
    second = await first.press("7")
    assert "did not get that" in spoken(second)
    assert second.gather is not None
    third = await second.silence()
    assert third.gather is None
    assert third.record is not None
    assert [u["kind"] for u in await updates(twilio_client)] == ["handoff"]


async def test_speech_without_rasa_is_asked_again_never_guessed(
    twilio_client: Any, emulator: TwilioEmulator
) -> None:
    await new_account(twilio_client)
    menu = await verified(emulator, twilio_client)
    again = await menu.speak("I want to dispute this", confidence=0.95)
    assert "did not get that" in spoken(again)
    assert await updates(twilio_client) == []


async def test_three_wrong_birth_dates_hand_the_caller_to_a_person(
    twilio_client: Any, emulator: TwilioEmulator
) -> None:
    await new_account(twilio_client)
    step = await ring(emulator, twilio_client)
    for _ in range(3):
        step = await step.press("01011990")
    assert step.record is not None
    assert CREDITOR not in spoken(step)
    assert [u["kind"] for u in await updates(twilio_client)] == ["handoff"]


async def test_an_unknown_caller_can_only_leave_a_message(
    twilio_client: Any, twilio_settings: Settings, emulator: TwilioEmulator
) -> None:
    await new_account(twilio_client)
    step = await ring(emulator, twilio_client, from_="+14155550100")
    assert step.record is not None
    assert step.gather is None
    assert CREDITOR not in spoken(step)
    assert "debt" not in spoken(step)
    await step.finish_recording()
    (recording,) = await rows(twilio_settings, select(recordings))
    assert recording.account_id is None


@pytest.mark.parametrize(
    "path",
    [
        VOICE_PATH,
        "/webhooks/twilio/voice/gather?call=call_x&step=menu",
        "/webhooks/twilio/voice/status",
        "/webhooks/twilio/voice/recording?call=call_x",
    ],
)
async def test_forged_voice_webhooks_are_refused(
    twilio_client: Any, twilio_settings: Settings, emulator: TwilioEmulator, path: str
) -> None:
    params = {
        "CallSid": "CA" + "0" * 32,
        "From": PHONE,
        "To": PARLEY_NUMBER,
        "CallStatus": "completed",
        "Digits": "1",
        "RecordingSid": "RE" + "0" * 32,
        "RecordingUrl": "https://api.twilio.com/rec",
    }
    # Signed with another account's token: the signature is well formed, and wrong.
    forged = compute_signature("not-the-auth-token", PUBLIC_URL + path, params)
    for headers in ({}, {SIGNATURE_HEADER: forged}):
        response = await twilio_client.post(path, data=params, headers=headers)
        assert response.status == 403
    for table in (calls, recordings, provider_events):
        assert await rows(twilio_settings, select(table)) == []


async def test_the_zip_code_can_verify_the_caller_instead(
    twilio_settings: Settings, emulator: TwilioEmulator, gateway: Any
) -> None:
    by_zip = twilio_settings.model_copy(update={"bot_verification_fact": "postal_code"})
    client = await gateway(by_zip)
    await new_account(client)
    greeting = await ring(emulator, client)
    assert "ZIP code" in spoken(greeting)
    again = await greeting.press("10001")
    assert "did not match" in spoken(again)
    menu = await again.press("60601")
    assert "debt collector" in spoken(menu)


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


async def test_while_rasa_reads_speech_no_transaction_blocks_other_writers(
    twilio_settings: Settings, emulator: TwilioEmulator, gateway: Any, aiohttp_server: Any
) -> None:
    """The gather webhook asks Rasa before it opens its transaction: a slow Rasa (up to
    PARLEY_RASA_TIMEOUT_SECONDS) must not hold the database, which on SQLite stops every writer
    in every process and on PostgreSQL the writers of this call."""
    asked, answer = asyncio.Event(), asyncio.Event()

    async def parse(request: web.Request) -> web.Response:
        asked.set()
        await answer.wait()
        return web.json_response({"intent": {"name": "dispute_debt", "confidence": 0.95}})

    rasa = web.Application()
    rasa.router.add_post("/model/parse", parse)
    slow = await aiohttp_server(rasa)
    client = await gateway(twilio_settings.model_copy(update={"rasa_url": str(slow.make_url(""))}))
    await new_account(client)
    menu = await verified(emulator, client)
    spoken_answer = asyncio.create_task(menu.speak("I want to dispute this", confidence=0.95))
    await asyncio.wait_for(asked.wait(), 10)
    # Another writer of the same call (its status callback) and of the same database.
    status = PUBLIC_URL + "/webhooks/twilio/voice/status"
    form = {"CallSid": menu.call_sid, "CallStatus": "in-progress", "From": PHONE}
    form |= {"To": PARLEY_NUMBER, "Direction": "inbound"}
    written = await asyncio.wait_for(
        emulator.post_signed(
            str(client.make_url("/webhooks/twilio/voice/status")), form, public_url=status
        ),
        5,
    )
    assert written.status == 204
    again = await asyncio.wait_for(client.put("/v1/accounts/A-2", json=account_body()), 5)
    assert again.status == 201
    answer.set()
    recorded = await spoken_answer
    assert "dispute is recorded" in spoken(recorded)
    assert [u["kind"] for u in await updates(client)] == ["dispute"]
