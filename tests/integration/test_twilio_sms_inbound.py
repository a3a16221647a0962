"""SMS received through Twilio's signed webhook: a text stored once and routed by its bot turn,
keywords (STOP, START, HELP) taking effect before Twilio gets its answer, an unknown sender, a
bot turn's lost job found by the sweep, and forged, incomplete or proxied webhooks."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from arq.connections import ArqRedis
from helpers import PHONE
from sqlalchemy import select
from twilio_emulator import TwilioEmulator
from twilio_fixtures import PARLEY_NUMBER, PUBLIC_URL, Webhooks
from twilio_sms_helpers import (
    DAYTIME,
    accept,
    daytime,  # noqa: F401 - autouse: the clock reads 15:00 in Chicago
    new_account,
    outreach_view,
    rows,
)

from channels.events import InboundText
from channels.twilio_signature import SIGNATURE_HEADER, compute_signature
from gateway import clock
from gateway.config import Settings
from gateway.conversations.inbound import route_received, take_in
from gateway.db.engine import create_engine
from gateway.db.tables import contact_events, contact_points, messages, outreach, provider_events
from gateway.worker import service
from gateway.worker.deps import deps_of
from gateway.worker.requeue import requeue_messages

SMS_PATH = "/webhooks/twilio/sms"


def sent_bodies(emulator: TwilioEmulator) -> list[str]:
    return [r.form["Body"][0] for r in emulator.create_requests()]


async def test_inbound_sms_is_stored_once_answered_at_once_and_routed_by_its_bot_turn(
    twilio_client: Any, twilio_settings: Settings, webhooks: Webhooks, redis: Any
) -> None:
    await new_account(twilio_client)
    first = await webhooks.sms("can I pay 50 on friday", from_=PHONE, sid="SM" + "1" * 32)
    again = await webhooks.sms("can I pay 50 on friday", from_=PHONE, sid="SM" + "1" * 32)
    for answer in (first, again):
        assert answer.status == 200
        assert answer.body.endswith("<Response />")
    (message,) = await rows(twilio_settings, select(messages))
    assert (message.provider, message.provider_id) == ("twilio", "SM" + "1" * 32)
    assert message.direction == "inbound"
    assert message.address == PHONE
    # Not a keyword: stored, and one job (its bot turn) routes it and answers it.
    assert message.status == "received"
    assert message.conversation_id is None
    assert await redis.exists(f"arq:job:turn:{message.id}")
    engine = create_engine(twilio_settings.database_url)
    try:
        async with engine.begin() as conn:
            routed = await route_received(conn, message.id, twilio_settings)
        assert routed is not None
        assert routed.after.turns == [message.id]
        async with engine.begin() as conn:
            assert await route_received(conn, message.id, twilio_settings) is None  # once
    finally:
        await engine.dispose()
    (message,) = await rows(twilio_settings, select(messages))
    assert message.status == "pending"
    assert message.conversation_id is not None
    (event,) = await rows(twilio_settings, select(contact_events))
    assert (event.direction, event.channel) == ("inbound", "sms")


async def test_forged_and_misdirected_webhooks_are_refused_and_change_nothing(
    twilio_client: Any,
    twilio_settings: Settings,
    emulator: TwilioEmulator,
    webhooks: Webhooks,
) -> None:
    await new_account(twilio_client)
    params = {"MessageSid": "SM" + "2" * 32, "From": PHONE, "To": PARLEY_NUMBER, "Body": "STOP"}
    public = PUBLIC_URL + SMS_PATH
    cases = [
        {},  # unsigned
        {SIGNATURE_HEADER: "bm90IGEgc2lnbmF0dXJl"},
        {SIGNATURE_HEADER: compute_signature("another-token", public, params)},
        # Signed for another host: a signature must not be replayable elsewhere.
        {
            SIGNATURE_HEADER: compute_signature(
                emulator.auth_token, webhooks.local(SMS_PATH), params
            )
        },
    ]
    for headers in cases:
        response = await twilio_client.post(SMS_PATH, data=params, headers=headers)
        assert response.status == 403
        assert (await response.json())["error"]["code"] == "invalid_signature"
    good = {SIGNATURE_HEADER: compute_signature(emulator.auth_token, public, params)}
    tampered = params | {"Body": "START"}
    response = await twilio_client.post(SMS_PATH, data=tampered, headers=good)
    assert response.status == 403
    status = await twilio_client.post(
        "/webhooks/twilio/status", data={"MessageSid": "SMx", "MessageStatus": "failed"}
    )
    assert status.status == 403
    assert await rows(twilio_settings, select(messages)) == []
    assert await rows(twilio_settings, select(provider_events)) == []
    (point,) = await rows(
        twilio_settings, select(contact_points).where(contact_points.c.channel == "sms")
    )
    assert point.consent == "granted"


async def test_a_signed_webhook_missing_its_fields_is_a_400(
    twilio_client: Any, emulator: TwilioEmulator, webhooks: Webhooks
) -> None:
    sent = await emulator.post_signed(
        webhooks.local(SMS_PATH), {"Body": "hi"}, public_url=PUBLIC_URL + SMS_PATH
    )
    assert sent.status == 400
    assert "MessageSid" in sent.body


async def test_behind_a_trusted_proxy_the_forwarded_host_is_what_twilio_signed(
    twilio_settings: Settings, emulator: TwilioEmulator, gateway: Any
) -> None:
    proxied = twilio_settings.model_copy(update={"trust_proxy": True, "public_url": None})
    params = {"MessageSid": "SM" + "3" * 32, "From": "+15005550006", "Body": "hello"}
    signed_for = "https://edge.parley.example" + SMS_PATH
    signature = compute_signature(emulator.auth_token, signed_for, params)
    client = await gateway(proxied)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "edge.parley.example"}
    ok = await client.post(SMS_PATH, data=params, headers={SIGNATURE_HEADER: signature} | forwarded)
    assert ok.status == 200
    bare = await client.post(SMS_PATH, data=params, headers={SIGNATURE_HEADER: signature})
    assert bare.status == 403


async def test_stop_while_outreach_is_queued_means_it_is_never_sent(
    twilio_client: Any,
    twilio_settings: Settings,
    twilio_drain: Any,
    emulator: TwilioEmulator,
    webhooks: Webhooks,
) -> None:
    await new_account(twilio_client)
    oid = await accept(twilio_client)  # queued, its job waiting in Redis
    answer = await webhooks.sms("STOP", from_=PHONE)
    assert answer.status == 200
    # A keyword takes effect before Twilio gets its answer, not when a worker gets to it.
    (point,) = await rows(
        twilio_settings, select(contact_points).where(contact_points.c.channel == "sms")
    )
    assert point.consent == "revoked"
    await twilio_drain()
    (only,) = sent_bodies(emulator)
    assert "unsubscribed" in only.lower() or "start" in only.lower()
    view = await outreach_view(twilio_client, oid)
    assert view["status"] == "blocked"
    assert "opted_out" in [r["rule"] for r in view["decision"]["reasons"]]


async def test_stop_racing_a_send_in_another_worker_starts_no_send_after_it(
    twilio_client: Any, twilio_settings: Settings, redis: Any, emulator: TwilioEmulator
) -> None:
    """The STOP's transaction holds the account; the send-time check waits, then blocks."""
    await new_account(twilio_client)
    oid = await accept(twilio_client)
    redis_pool = ArqRedis.from_url(twilio_settings.redis_dsn)
    ctx: dict[str, Any] = {"settings": twilio_settings, "redis": redis_pool}
    await service.on_startup(ctx)
    deps = deps_of(ctx)
    try:
        stop = InboundText("sms", PHONE, "STOP", "twilio", "SM" + "4" * 32, DAYTIME)
        async with deps.engine.begin() as conn:
            await take_in(conn, stop, twilio_settings, route_now=False)
            send = asyncio.create_task(deps.outreach.send(oid))
            await asyncio.sleep(0.5)
            # The worker is waiting for the account the STOP holds.
            assert not send.done()
        assert await send == "blocked"
    finally:
        await service.on_shutdown(ctx)
        await redis_pool.aclose()
    assert emulator.create_requests() == []
    (status,) = await rows(twilio_settings, select(outreach.c.status))
    assert status.status == "blocked"


async def test_help_and_start_by_text_are_answered_through_twilio(
    twilio_client: Any,
    twilio_settings: Settings,
    twilio_drain: Any,
    emulator: TwilioEmulator,
    webhooks: Webhooks,
) -> None:
    await new_account(twilio_client)
    await webhooks.sms("STOP", from_=PHONE)
    await twilio_drain()
    await webhooks.sms("START", from_=PHONE)
    await twilio_drain()
    await webhooks.sms("HELP", from_=PHONE)
    await twilio_drain()
    bodies = sent_bodies(emulator)
    assert len(bodies) == 3
    assert "subscribed to messages again" in bodies[1]
    assert "for help call" in bodies[2].lower()
    assert all(r.form["To"] == [PHONE] for r in emulator.create_requests())
    (point,) = await rows(
        twilio_settings, select(contact_points).where(contact_points.c.channel == "sms")
    )
    assert (point.consent, point.consent_source) == ("granted", "keyword")


async def test_an_unknown_sender_hears_nothing_about_a_debt_and_an_agent_gets_the_text(
    twilio_client: Any,
    twilio_settings: Settings,
    twilio_drain: Any,
    emulator: TwilioEmulator,
    webhooks: Webhooks,
) -> None:
    await new_account(twilio_client)
    await webhooks.sms("who is this? I owe nothing", from_="+14155550199")
    await twilio_drain()
    (reply,) = sent_bodies(emulator)
    assert "Acme" not in reply
    assert "debt" not in reply.lower()
    assert "432" not in reply
    inbound = await rows(twilio_settings, select(messages).where(messages.c.direction == "inbound"))
    assert [m.status for m in inbound] == ["for_agent"]


async def test_a_text_whose_bot_turn_job_was_lost_is_found_by_the_sweep(
    twilio_client: Any,
    twilio_settings: Settings,
    twilio_drain: Any,
    webhooks: Webhooks,
    redis: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await new_account(twilio_client)
    await webhooks.sms("hello there", from_=PHONE)
    await redis.flushdb()  # Redis lost the bot turn's job
    monkeypatch.setattr(clock, "utcnow", lambda: DAYTIME + timedelta(minutes=10))
    engine = create_engine(twilio_settings.database_url)
    arq = ArqRedis.from_url(twilio_settings.redis_dsn)
    try:
        assert await requeue_messages(engine, arq, twilio_settings) == 1
        assert await requeue_messages(engine, arq, twilio_settings) == 0  # its job is queued now
    finally:
        await engine.dispose()
        await arq.aclose()
    await twilio_drain()
    (message,) = await rows(
        twilio_settings, select(messages).where(messages.c.direction == "inbound")
    )
    # Taken up again, and (Rasa being away for longer than allowed by then) handed to a person.
    assert message.status == "for_agent"
    assert message.conversation_id is not None
