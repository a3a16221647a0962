"""SendGrid's Event Webhook: signed, fresh batches only; each event applied once, oldest first,
never moving a message backwards; unsubscribes, spam reports and bounces teach the address;
opens and clicks are engagement, nothing more."""

from __future__ import annotations

import time
from typing import Any

import pytest
from helpers import EMAIL
from sendgrid_emulator import SendGridEmulator, SentMail
from sendgrid_fixtures import EmailWorld
from sendgrid_helpers import (
    accept_email,
    email_account_body,
    email_point,
    new_account,
    revocations,
    rows,
    rules_of_next_email,
)
from sqlalchemy import func, select
from twilio_sms_helpers import (
    daytime,  # noqa: F401 - autouse: the clock reads 15:00 in Chicago
    outreach_view,
)

from gateway import clock
from gateway.config import Settings
from gateway.db.tables import contact_events, messages, provider_events, timeline


async def sent_mail(email: EmailWorld, key: str = "e1") -> tuple[str, SentMail]:
    answer = await accept_email(email.client, key)
    await email.drain()
    return answer["id"], email.sendgrid.sent[-1]


def now_ts() -> int:
    """Unix time of the test clock (SendGrid's events carry their own)."""
    return int(clock.utcnow().timestamp())


@pytest.fixture(autouse=True)
def judged_now(webhook_clock: None) -> None:
    """The signatures' timestamps are real time; the test clock is not."""


async def count(settings: Settings, table: Any) -> int:
    (row,) = await rows(settings, select(func.count()).select_from(table))
    return int(row[0])


@pytest.mark.parametrize("attack", ["forged", "stale", "unsigned", "tampered"])
async def test_forged_or_stale_batches_are_refused_and_write_nothing(
    email: EmailWorld,
    attack: str,
) -> None:
    await new_account(email.client)
    _, mail = await sent_mail(email)
    events = [email.sendgrid.event(mail, "delivered", at=now_ts())]
    url = email.hooks.url("/webhooks/sendgrid/events")
    before = await count(email.settings, provider_events)
    if attack == "forged":
        status = await email.hooks.events(events, forge=True)
    elif attack == "stale":
        status = await email.hooks.events(events, timestamp=int(time.time()) - 301)
    else:
        body, headers = email.sendgrid.signed_batch(events)
        if attack == "unsigned":
            headers = {"Content-Type": "application/json"}
        else:
            body = body.replace(b"delivered", b"bounce\x20\x20\x20")
        status = await email.sendgrid.post_raw(url, body, headers)
    assert status == 403
    assert await count(email.settings, provider_events) == before
    (message,) = await rows(email.settings, select(messages))
    assert message.status == "sent"


async def test_a_replayed_batch_changes_nothing(
    email: EmailWorld,
) -> None:
    await new_account(email.client)
    _, mail = await sent_mail(email)
    assert await email.hooks.events([email.sendgrid.event(mail, "delivered", at=now_ts())]) == 200
    steps = await count(email.settings, timeline)
    assert await email.sendgrid.post_raw(**_last_post(email.sendgrid)) == 200
    assert await count(email.settings, timeline) == steps
    assert await count(email.settings, provider_events) == 1


async def test_duplicates_in_a_batch_apply_once(
    email: EmailWorld,
) -> None:
    await new_account(email.client)
    oid, mail = await sent_mail(email)
    ts = now_ts()
    events = [
        email.sendgrid.event(mail, "processed", at=ts),
        email.sendgrid.event(mail, "delivered", at=ts + 5),
        email.sendgrid.event(mail, "open", at=ts + 60),
    ]
    assert await email.hooks.events(events, duplicates=24, shuffle=True, seed=7) == 200
    assert await count(email.settings, provider_events) == 3
    (message,) = await rows(email.settings, select(messages))
    assert message.status == "delivered"
    steps = [s["status"] for s in (await outreach_view(email.client, oid))["timeline"]]
    assert steps.count("delivered") == 1
    assert steps.count("open") == 1
    (history,) = await rows(email.settings, select(contact_events))
    assert history.outcome == "delivered"


@pytest.mark.parametrize(
    ("order", "final"),
    [
        (["delivered", "deferred", "processed"], "delivered"),
        (["bounce", "delivered", "deferred"], "failed"),
        (["delivered", "bounce"], "failed"),
        (["dropped", "processed"], "failed"),
        (["deferred", "processed"], "sent"),
    ],
)
async def test_events_out_of_order_never_move_a_message_backwards(
    email: EmailWorld,
    order: list[str],
    final: str,
) -> None:
    await new_account(email.client)
    _, mail = await sent_mail(email)
    ts = now_ts()
    # Each arrives in a batch of its own, in the order given, whatever its timestamp says.
    when = {"processed": ts, "deferred": ts + 10, "delivered": ts + 20, "bounce": ts + 30}
    when["dropped"] = ts + 1
    for kind in order:
        event = email.sendgrid.event(mail, kind, at=when[kind])
        assert await email.hooks.events([event]) == 200
    (message,) = await rows(email.settings, select(messages))
    assert message.status == final


@pytest.mark.parametrize("kind", ["unsubscribe", "group_unsubscribe", "spamreport"])
async def test_an_unsubscribe_event_blocks_the_next_email(
    email: EmailWorld,
    kind: str,
) -> None:
    await new_account(email.client)
    _, mail = await sent_mail(email)
    # A second email is waiting to go when the unsubscribe arrives.
    waiting = await accept_email(email.client, "e2")
    assert await email.hooks.events([email.sendgrid.event(mail, kind, at=now_ts())]) == 200
    point = await email_point(email.settings)
    assert (point.consent, point.consent_source) == ("revoked", "provider")
    await email.drain()
    assert len(email.sendgrid.sent) == 1
    assert (await outreach_view(email.client, waiting["id"]))["status"] == "blocked"
    assert await rules_of_next_email(email.client, "e3") == ["opted_out"]


async def test_an_unsubscribe_for_an_unknown_message_still_revokes_the_address(
    email: EmailWorld,
) -> None:
    await new_account(email.client)
    await new_account(email.client, "A-2")
    _, mail = await sent_mail(email)
    event = email.sendgrid.event(mail, "unsubscribe", at=now_ts(), email=EMAIL.upper())
    del event["parley_message_id"]
    event["sg_message_id"] = "unknown.filterdrecv-1"
    assert await email.hooks.events([event]) == 200
    revoked = await revocations(email.settings)
    assert len({e.account_id for e in revoked}) == 2
    assert {(e.action, e.source, e.address) for e in revoked} == {("revoked", "provider", EMAIL)}


@pytest.mark.parametrize(
    ("kind", "fields", "valid"),
    [
        ("bounce", {"type": "bounce", "status": "5.1.1"}, False),
        ("dropped", {"reason": "Bounced Address"}, False),
        ("dropped", {"reason": "Invalid"}, False),
        ("bounce", {"type": "blocked", "status": "4.7.1"}, True),
        ("dropped", {"reason": "Spam Content (if spam checker app enabled)"}, True),
    ],
)
async def test_a_hard_bounce_marks_the_address_invalid(
    email: EmailWorld,
    kind: str,
    fields: dict[str, str],
    valid: bool,
) -> None:
    await new_account(email.client)
    _, mail = await sent_mail(email)
    assert (
        await email.hooks.events([email.sendgrid.event(mail, kind, at=now_ts(), **fields)]) == 200
    )
    point = await email_point(email.settings)
    assert point.valid is valid
    assert point.consent == "granted"
    (history,) = await rows(email.settings, select(contact_events))
    assert history.outcome == "failed"
    rules = await rules_of_next_email(email.client, "e2")
    # An invalid address also has no provenance safe harbor left: both reasons may stand.
    assert rules == [] if valid else "invalid_contact" in rules


async def test_opens_and_clicks_are_engagement_not_consent(
    email: EmailWorld,
) -> None:
    body = email_account_body()
    body["contacts"][1]["consent"] = False  # email needs none; an open must not grant it
    await email.client.put("/v1/accounts/A-1", json=body)
    await accept_email(email.client)
    await email.drain()
    (mail,) = email.sendgrid.sent
    ts = now_ts()
    events = [
        email.sendgrid.event(mail, "delivered", at=ts),
        email.sendgrid.event(mail, "open", at=ts + 1),
        email.sendgrid.event(mail, "click", at=ts + 2, url="https://parley.example.com/x"),
    ]
    assert await email.hooks.events(events) == 200
    point = await email_point(email.settings)
    assert point.consent == "missing"
    assert await revocations(email.settings) == []
    (message,) = await rows(email.settings, select(messages))
    assert message.status == "delivered"
    assert message.conversation_id is None
    steps = await rows(
        email.settings, select(timeline.c.status).where(timeline.c.message_id == message.id)
    )
    assert {"open", "click"} <= {s.status for s in steps}


async def test_malformed_batches_get_a_400_naming_the_field(
    email: EmailWorld,
) -> None:
    url = email.hooks.url("/webhooks/sendgrid/events")
    bodies = (b"not json", b'{"event": "delivered"}', b'[{"event": "delivered"}]', b"[NaN]")
    for body in bodies:
        headers = {"Content-Type": "application/json"} | email.sendgrid.event_signature(body)
        assert await email.sendgrid.post_raw(url, body, headers) == 400


async def test_the_webhook_refuses_everything_when_no_key_is_configured(
    settings: Settings, gateway: Any, sendgrid: SendGridEmulator
) -> None:
    client = await gateway(settings)
    body, headers = sendgrid.signed_batch([])
    response = await client.post("/webhooks/sendgrid/events", data=body, headers=headers)
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "not_configured"


async def test_a_batch_that_fails_midway_is_a_503_and_leaves_nothing_behind(
    email: EmailWorld,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sqlalchemy.exc import OperationalError

    from gateway.messages import event_batches

    await new_account(email.client)
    _, mail = await sent_mail(email)
    ts = now_ts()
    events = [
        email.sendgrid.event(mail, "processed", at=ts),
        email.sendgrid.event(mail, "delivered", at=ts),
    ]
    real = event_batches.apply_claimed
    calls = 0

    async def second_fails(conn: Any, report: Any, entries: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OperationalError("UPDATE messages", {}, Exception("connection lost"))
        return await real(conn, report, entries)

    monkeypatch.setattr(event_batches, "apply_claimed", second_fails)
    assert await email.hooks.events(events) == 503
    assert await count(email.settings, provider_events) == 0
    monkeypatch.setattr(event_batches, "apply_claimed", real)
    # SendGrid retries the batch: now every event applies, once.
    assert await email.sendgrid.post_raw(**_last_post(email.sendgrid)) == 200
    assert await count(email.settings, provider_events) == 2
    (message,) = await rows(email.settings, select(messages))
    assert message.status == "delivered"


def _last_post(sendgrid: SendGridEmulator) -> dict[str, Any]:
    logged = sendgrid.webhooks[-1]
    return {"url": logged.url, "body": logged.body, "headers": logged.headers}
