"""The send core's honest edges: a provider that cannot be asked, a deferred reply whose job
was lost, why a message waits, and the status sets the database enforces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arq.connections import ArqRedis
from helpers import PHONE, account_body, outreach_body, select_rows
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from channels.base import CANNOT_TELL, Lookup, OutboundMessage, ProviderError, SendResult
from channels.console import ConsoleProvider
from gateway import clock
from gateway.conversations.replies import Reply, queue_replies, reply_to
from gateway.conversations.store import load_conversation
from gateway.db.engine import create_engine
from gateway.db.tables import messages, outreach
from gateway.messages.send import Sender
from gateway.worker.requeue import requeue_messages
from policies.channels import CHANNELS

DAYTIME = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)  # Tuesday 15:00 in Chicago
NIGHT = datetime(2026, 3, 11, 4, 0, tzinfo=UTC)  # 23:00 in Chicago (daylight saving time)
MORNING = datetime(2026, 3, 11, 13, 0, tzinfo=UTC)  # 08:00 in Chicago


class AnswerLostProvider(ConsoleProvider):
    """Takes the message, loses the answer, and has no way to be asked (like SendGrid)."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings.var_dir / "outbox" / "console.jsonl", echo=False)
        self.sends = 0
        self.lookups = 0

    async def send(self, message: OutboundMessage) -> SendResult:
        self.sends += 1
        await super().send(message)
        raise ProviderError(
            "network", "ServerDisconnectedError", retryable=True, outcome_unknown=True
        )

    async def lookup(self, message: OutboundMessage, since: datetime) -> Lookup:
        self.lookups += 1
        return CANNOT_TELL


async def test_a_provider_that_cannot_tell_never_gets_a_second_send(
    client: Any, settings: Any, drain: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clock, "utcnow", lambda: DAYTIME)
    await client.put("/v1/accounts/A-1", json=account_body())
    answer = await client.post(
        "/v1/outreach", json=outreach_body(), headers={"Idempotency-Key": "k1"}
    )
    oid = (await answer.json())["id"]
    provider = AnswerLostProvider(settings)
    await drain(ctx={"settings": settings, "providers": dict.fromkeys(CHANNELS, provider)})
    assert (provider.sends, provider.lookups) == (1, 1)
    view = await (await client.get(f"/v1/outreach/{oid}")).json()
    assert view["status"] == "unknown"
    steps = [step["status"] for step in view["timeline"]]
    assert steps == ["queued", "sending", "outcome_unknown", "unknown"]
    assert "a person must check" in view["timeline"][-1]["detail"]["reason"]
    (message,) = await select_rows(settings.database_url, select(messages))
    assert message.status == "unknown"
    # Nothing sends it again on its own: not a later job, not the requeue sweep.
    monkeypatch.setattr(clock, "utcnow", lambda: DAYTIME + timedelta(hours=1))
    await drain(ctx={"settings": settings, "providers": dict.fromkeys(CHANNELS, provider)})
    engine = create_engine(settings.database_url)
    arq = ArqRedis.from_url(settings.redis_dsn)
    assert await requeue_messages(engine, arq, settings) == 0
    assert (
        await Sender(engine, arq, dict.fromkeys(CHANNELS, provider), settings).send(message.id)
        == "already unknown"
    )
    await engine.dispose()
    await arq.aclose()
    assert provider.sends == 1


async def test_a_deferred_reply_whose_job_was_lost_is_sent_by_the_sweep(
    client: Any, settings: Any, drain: Any, redis: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The debtor wrote at 22:55 in Chicago; the assistant's answer came after the 30-minute
    grace, so it waits for 08:00 in every zone, and Redis then loses its job."""
    monkeypatch.setattr(clock, "utcnow", lambda: NIGHT - timedelta(minutes=5))
    await client.put("/v1/accounts/A-1", json=account_body())
    sent = await client.post(
        "/v1/messages/inbound", json={"channel": "sms", "address": PHONE, "text": "hello"}
    )
    conversation_id = (await sent.json())["conversation_id"]
    monkeypatch.setattr(clock, "utcnow", lambda: NIGHT + timedelta(minutes=40))
    engine = create_engine(settings.database_url)
    arq = ArqRedis.from_url(settings.redis_dsn)
    try:
        async with engine.begin() as conn:
            # This reply is the answer of the debtor's message's turn.
            await conn.execute(
                update(messages).where(messages.c.direction == "inbound").values(status="answered")
            )
            conversation = await load_conversation(conn, conversation_id)
            reply = reply_to(conversation, "Thanks, we will get back to you.", "reply", settings)
            (reply_id,) = await queue_replies(conn, [reply], clock.utcnow(), settings)
        sender = Sender(engine, arq, {}, settings)
        assert await sender.send(reply_id) == "deferred"
        (row,) = await select_rows(
            settings.database_url, select(messages).where(messages.c.id == reply_id)
        )
        assert row.status == "deferred"
        assert row.not_before >= MORNING
        # Why it waits is the decision's, not a provider error code.
        assert row.error_code is None
        assert [r["rule"] for r in row.decision["reasons"]] == ["quiet_hours"]
        thread = await (await client.get(f"/v1/conversations/{conversation_id}")).json()
        assert thread["messages"][-1]["reasons"] == ["quiet_hours"]

        await redis.flushdb()  # the deferred job is lost
        later = row.not_before + timedelta(seconds=settings.requeue_after_seconds + 60)
        monkeypatch.setattr(clock, "utcnow", lambda: later)
        assert await requeue_messages(engine, arq, settings) == 1
        assert await requeue_messages(engine, arq, settings) == 0  # its job is queued now
    finally:
        await engine.dispose()
        await arq.aclose()
    await drain()
    (row,) = await select_rows(
        settings.database_url, select(messages).where(messages.c.id == reply_id)
    )
    assert row.status == "sent"


@pytest.mark.parametrize(
    ("statement", "values"),
    [
        ("UPDATE messages SET status = 'received'", {}),  # an inbound status on an outbound row
        ("UPDATE messages SET status = 'routed'", {}),
        ("UPDATE outreach SET status = 'undelivered'", {}),  # not in the outreach contract
    ],
)
async def test_the_database_refuses_a_status_outside_its_set(
    client: Any,
    settings: Any,
    drain: Any,
    monkeypatch: pytest.MonkeyPatch,
    statement: str,
    values: dict[str, Any],
) -> None:
    monkeypatch.setattr(clock, "utcnow", lambda: DAYTIME)
    await client.put("/v1/accounts/A-1", json=account_body())
    await client.post("/v1/outreach", json=outreach_body(), headers={"Idempotency-Key": "k1"})
    await drain()
    assert [m.status for m in await select_rows(settings.database_url, select(messages))] == [
        "sent"
    ]
    engine = create_engine(settings.database_url)
    try:
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(text(statement), values)
        async with engine.begin() as conn:  # a status of the set is fine
            await conn.execute(update(outreach).values(status="delivered"))
    finally:
        await engine.dispose()


async def test_a_reply_to_a_sender_without_an_account_is_blocked_not_sent(
    settings: Any, redis: Any
) -> None:
    """Fail closed: without an account there are no facts for the rules to allow it on."""
    engine = create_engine(settings.database_url)
    arq = ArqRedis.from_url(settings.redis_dsn)
    try:
        async with engine.begin() as conn:
            (reply_id,) = await queue_replies(
                conn,
                [Reply("sms", PHONE, "Hello there", "reply", None, None, "console")],
                DAYTIME,
                settings,
            )
        provider = AnswerLostProvider(settings)
        sender = Sender(engine, arq, dict.fromkeys(CHANNELS, provider), settings)
        assert await sender.send(reply_id) == "blocked"
    finally:
        await engine.dispose()
        await arq.aclose()
    assert provider.sends == 0
    (row,) = await select_rows(settings.database_url, select(messages))
    assert row.status == "blocked"
