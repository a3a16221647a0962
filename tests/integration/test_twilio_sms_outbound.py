"""SMS sent through Twilio (the real SDK against the emulator): what Twilio's refusals teach the
contact point, retries on throttling and server errors, other errors kept with Twilio's code and
message, a lost answer reconciled by asking Twilio, and settings that refuse Twilio without
credentials (status callbacks: test_twilio_sms_status.py)."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import PHONE, outreach_body
from sqlalchemy import select
from twilio_emulator import TwilioEmulator
from twilio_sms_helpers import (
    accept,
    daytime,  # noqa: F401 - autouse: the clock reads 15:00 in Chicago
    new_account,
    outreach_view,
    rows,
)

from channels.base import ProviderError
from channels.twilio_sms import TwilioSmsProvider
from gateway.config import Settings
from gateway.db.tables import contact_points, messages


@pytest.mark.parametrize(
    ("code", "column", "expected"),
    [(21610, "consent", "revoked"), (21211, "valid", False), (21614, "valid", False)],
)
async def test_twilio_refusals_teach_the_contact_point(
    twilio_client: Any,
    twilio_settings: Settings,
    twilio_drain: Any,
    emulator: TwilioEmulator,
    code: int,
    column: str,
    expected: Any,
) -> None:
    await new_account(twilio_client)
    emulator.fail_next(status=400, code=code)
    oid = await accept(twilio_client)
    await twilio_drain()
    view = await outreach_view(twilio_client, oid)
    assert view["status"] == "failed"
    assert view["timeline"][-1]["detail"]["code"] == str(code)
    (point,) = await rows(
        twilio_settings, select(contact_points).where(contact_points.c.channel == "sms")
    )
    assert getattr(point, column) == expected
    if column == "consent":
        assert point.consent_source == "provider"
    again = await twilio_client.post(
        "/v1/outreach", json=outreach_body(), headers={"Idempotency-Key": "k2"}
    )
    rules = [r["rule"] for r in (await again.json())["decision"]["reasons"]]
    assert rules == ["opted_out" if code == 21610 else "invalid_contact"]
    assert len(emulator.create_requests()) == 1


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_throttling_and_server_errors_retry(
    twilio_client: Any, twilio_drain: Any, emulator: TwilioEmulator, status: int
) -> None:
    await new_account(twilio_client)
    emulator.fail_next(2, status=status)
    oid = await accept(twilio_client)
    await twilio_drain()
    assert len(emulator.create_requests()) == 3
    view = await outreach_view(twilio_client, oid)
    assert view["status"] == "sent"
    assert [s["status"] for s in view["timeline"]].count("retrying") == 2


async def test_another_error_fails_with_twilios_code_and_message(
    twilio_client: Any, twilio_settings: Settings, twilio_drain: Any, emulator: TwilioEmulator
) -> None:
    emulator.fail_next(status=400, code=21606, message="The From phone number is not valid")
    await new_account(twilio_client)
    oid = await accept(twilio_client)
    await twilio_drain()
    assert (await outreach_view(twilio_client, oid))["status"] == "failed"
    (message,) = await rows(twilio_settings, select(messages))
    assert message.error_code == "21606"
    assert message.error_message == "The From phone number is not valid"
    (point,) = await rows(
        twilio_settings, select(contact_points).where(contact_points.c.channel == "sms")
    )
    assert (point.consent, point.valid) == ("granted", True)


async def test_a_lost_answer_is_reconciled_by_asking_twilio_not_by_sending_again(
    twilio_client: Any,
    twilio_settings: Settings,
    twilio_drain: Any,
    emulator: TwilioEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = TwilioSmsProvider.send
    attempts = 0

    async def accepted_but_answer_lost(self: TwilioSmsProvider, message: Any) -> Any:
        nonlocal attempts
        attempts += 1
        await original(self, message)
        raise ProviderError(
            "network", "ServerDisconnectedError", retryable=True, outcome_unknown=True
        )

    monkeypatch.setattr(TwilioSmsProvider, "send", accepted_but_answer_lost)
    await new_account(twilio_client)
    oid = await accept(twilio_client)
    await twilio_drain()
    assert attempts == 1
    assert len(emulator.create_requests()) == 1
    (sid,) = emulator.messages
    view = await outreach_view(twilio_client, oid)
    assert view["status"] == "sent"
    assert view["timeline"][-1]["detail"]["provider_id"] == sid
    listed = [r for r in emulator.requests if r.method == "GET"]
    assert listed
    assert listed[0].query["To"] == PHONE


async def test_settings_refuse_twilio_without_credentials() -> None:
    from gateway.config import load_settings
    from gateway.errors import ConfigError

    with pytest.raises(ConfigError) as raised:
        load_settings(provider_sms="twilio")
    message = raised.value.message
    for name in ("PARLEY_TWILIO_ACCOUNT_SID", "PARLEY_TWILIO_AUTH_TOKEN", "PARLEY_PUBLIC_URL"):
        assert name in message
