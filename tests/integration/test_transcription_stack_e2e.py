"""Voicemails on the whole stack: a caller leaves a message in the IVR, Twilio's recording
callback reaches the gateway, the transcription worker (its own process and queue) fetches the
audio from Twilio, and the promise reaches the core system signed. Killing the transcription
worker mid-job loses nothing and records nothing twice."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from phone_helpers import Phone, new_account
from recording_helpers import upload_form
from speech_audio import speak
from stack import BotStack
from transcription_helpers import holds_card_digits

SAID = (
    "Hi, this is Dana. I can pay two hundred dollars on the fifteenth. "
    "My card number is four one one one, one one one one, one one one one, one one one one."
)


async def recording_status(
    http: aiohttp.ClientSession, stack: BotStack, recording_id: str
) -> dict[str, Any]:
    async with http.get(f"{stack.gateway_url}/v1/recordings/{recording_id}") as response:
        assert response.status == 200
        return dict(await response.json())


async def wait_for(
    http: aiohttp.ClientSession,
    stack: BotStack,
    recording_id: str,
    statuses: set[str],
    limit: float,
) -> dict[str, Any]:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        view = await recording_status(http, stack, recording_id)
        if view["status"] in statuses:
            return view
        await asyncio.sleep(0.01)
    raise AssertionError(f"recording {recording_id} never reached {statuses}")


async def test_a_voicemail_ends_in_a_promise_delivered_to_the_core_system(
    http: aiohttp.ClientSession, bot_stack: BotStack
) -> None:
    phone = Phone(bot_stack, "+13125550151")
    await new_account(http, bot_stack, "VM-PROMISE", phone.number)
    greeting = await phone.call()
    menu = await bot_stack.twilio.run(greeting.press("03141985"))
    message = await bot_stack.twilio.run(menu.press("9"))
    assert message.record is not None
    await bot_stack.twilio.run(message.finish_recording(audio=speak(SAID), duration=12))
    promise = await bot_stack.delivered("promise_to_pay", "VM-PROMISE")
    assert (promise["source"], promise["data"]["amount"]) == ("transcript", "200.00")
    assert promise["data"]["date"].endswith("-15")
    assert promise["recording_id"] is not None
    view = await recording_status(http, bot_stack, promise["recording_id"])
    assert "[card number]" in view["transcript"]
    logged = [path.read_text(errors="replace") for path in bot_stack.log_dir.glob("*.log")]
    assert not any(holds_card_digits(text) or "Dana" in text for text in logged)


async def test_killing_the_transcription_worker_mid_job_loses_nothing(
    http: aiohttp.ClientSession, bot_stack: BotStack
) -> None:
    phone = Phone(bot_stack, "+13125550152")
    await new_account(http, bot_stack, "VM-KILL", phone.number)
    form = upload_form(
        speak(SAID),
        account_ref="VM-KILL",
        external_id="vm-kill",
        recorded_at="2026-12-01T15:00:00+00:00",
    )
    async with http.post(f"{bot_stack.gateway_url}/v1/recordings", data=form) as response:
        assert response.status == 202, await response.text()
        recording_id = (await response.json())["id"]
    await wait_for(http, bot_stack, recording_id, {"transcribing"}, limit=60)
    bot_stack.kill_transcriber()
    bot_stack.start_transcriber()
    # arq runs the job again once the dead worker's claim on it expires (the job timeout).
    view = await wait_for(http, bot_stack, recording_id, {"transcribed", "failed"}, limit=240)
    assert view["status"] == "transcribed"
    assert [u["kind"] for u in view["updates"]] == ["promise_to_pay"]
    promise = await bot_stack.delivered("promise_to_pay", "VM-KILL")
    assert promise["recording_id"] == recording_id
    await asyncio.sleep(1)
    deliveries = [r for r in bot_stack.received if r.json()["account_ref"] == "VM-KILL"]
    assert len(deliveries) == 1
