"""The phone menu after verification, as Twilio plays its TwiML: a promise by keypad read back,
confirmed and recorded once, balance and dispute, hardship handed to an agent or a message,
silence and bad keys, and speech (never guessed without Rasa; a slow Rasa holds no
transaction)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from helpers import PHONE, account_body, outreach_body
from sqlalchemy import select
from twilio_emulator import TwilioEmulator
from twilio_fixtures import PARLEY_NUMBER, PUBLIC_URL
from twilio_voice_helpers import (
    CREDITOR,
    daytime,  # noqa: F401 - autouse: the clock reads 15:00 in Chicago
    new_account,
    rows,
    spoken,
    updates,
    verified,
)

from gateway.config import Settings
from gateway.db.tables import conversations, recordings


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
