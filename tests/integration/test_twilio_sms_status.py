"""Twilio's status callbacks for SMS: an outreach sent through the SDK moves to delivered
(replayed and late callbacks change nothing), a callback that comes before the send is recorded
is not undone, and a delivery failure marks a dead number invalid."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import PHONE
from sqlalchemy import func, select
from twilio_emulator import TwilioEmulator
from twilio_fixtures import PARLEY_NUMBER, PUBLIC_URL, Webhooks
from twilio_sms_helpers import (
    accept,
    daytime,  # noqa: F401 - autouse: the clock reads 15:00 in Chicago
    new_account,
    outreach_view,
    rows,
)

from channels.twilio_sms import TwilioSmsProvider
from gateway.config import Settings
from gateway.db.tables import contact_events, contact_points, messages, provider_events


async def test_outreach_goes_out_through_the_sdk_and_callbacks_move_it_to_delivered(
    twilio_client: Any,
    twilio_settings: Settings,
    twilio_drain: Any,
    emulator: TwilioEmulator,
    webhooks: Webhooks,
) -> None:
    await new_account(twilio_client)
    oid = await accept(twilio_client)
    await twilio_drain()
    (create,) = emulator.create_requests()
    assert create.authorized
    assert create.form["To"] == [PHONE]
    assert create.form["From"] == [PARLEY_NUMBER]
    assert "Reply STOP" in create.form["Body"][0]
    callback = create.form["StatusCallback"][0]
    assert callback.startswith(f"{PUBLIC_URL}/webhooks/twilio/status?message_id=msg_")
    view = await outreach_view(twilio_client, oid)
    assert view["status"] == "sent"
    (sid,) = emulator.messages
    for status in ("sent", "delivered"):
        answer = await webhooks.status(sid, status)
        assert answer.status == 204, answer.body
    replay = await webhooks.status(sid, "delivered")  # Twilio retrying the callback
    late = await webhooks.status(sid, "sent")  # and an earlier status arriving late
    assert (replay.status, late.status) == (204, 204)

    view = await outreach_view(twilio_client, oid)
    assert view["status"] == "delivered"
    steps = [step["status"] for step in view["timeline"]]
    assert steps[:3] == ["queued", "sending", "sent"]
    assert steps[3:] == ["sent", "delivered"]  # a replay adds nothing; a late "sent" is dropped
    (message,) = await rows(twilio_settings, select(messages))
    assert (message.status, message.provider_id) == ("delivered", sid)
    (event,) = await rows(twilio_settings, select(contact_events))
    assert event.outcome == "delivered"


async def test_a_callback_before_the_send_is_recorded_is_not_undone(
    twilio_client: Any,
    twilio_settings: Settings,
    twilio_drain: Any,
    emulator: TwilioEmulator,
    webhooks: Webhooks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twilio can call back before the worker commits the provider id."""
    original = TwilioSmsProvider.send

    async def send_then_callback(self: TwilioSmsProvider, message: Any) -> Any:
        result = await original(self, message)
        answer = await webhooks.status(result.provider_id, "delivered")
        assert answer.status == 204
        return result

    monkeypatch.setattr(TwilioSmsProvider, "send", send_then_callback)
    await new_account(twilio_client)
    oid = await accept(twilio_client)
    await twilio_drain()
    (message,) = await rows(twilio_settings, select(messages))
    assert message.status == "delivered"
    assert (await outreach_view(twilio_client, oid))["status"] == "delivered"


async def test_a_delivery_failure_callback_marks_a_dead_number_invalid(
    twilio_client: Any,
    twilio_settings: Settings,
    twilio_drain: Any,
    emulator: TwilioEmulator,
    webhooks: Webhooks,
) -> None:
    await new_account(twilio_client)
    oid = await accept(twilio_client)
    await twilio_drain()
    (sid,) = emulator.messages
    await webhooks.status(sid, "undelivered", error_code=30006)
    view = await outreach_view(twilio_client, oid)
    assert view["status"] == "failed"
    (point,) = await rows(
        twilio_settings, select(contact_points).where(contact_points.c.channel == "sms")
    )
    assert point.valid is False
    (event,) = await rows(twilio_settings, select(contact_events))
    assert event.outcome == "failed"
    count = await rows(twilio_settings, select(func.count()).select_from(provider_events))
    assert count[0][0] == 1
