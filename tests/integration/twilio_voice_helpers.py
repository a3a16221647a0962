"""The clock, the account, calls into the IVR and what they leave behind, shared by the Twilio
voice tests (test_twilio_voice_*.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from helpers import PHONE, account_body, select_rows
from twilio_emulator import TwilioEmulator, VoiceStep
from twilio_fixtures import PARLEY_NUMBER, PUBLIC_URL

from gateway import clock
from gateway.config import Settings

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
