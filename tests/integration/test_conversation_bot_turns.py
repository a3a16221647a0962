"""Bot turns on the gateway's side, with Rasa unreachable: the message waits, then a person
takes over; a turn that finds its conversation held by another turn leaves it to that one."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from arq import Retry
from arq.connections import ArqRedis
from conversation_helpers import (
    DAYTIME,
    daytime,  # noqa: F401 - autouse: the clock reads 15:00 in Chicago
    inbound,
    new_account,
    rows,
)
from sqlalchemy import select

from gateway import clock
from gateway.conversations.bot_turns import BotTurns, conversation_lock
from gateway.conversations.rasa import RasaClient
from gateway.db.engine import create_engine
from gateway.db.tables import account_updates, messages
from gateway.messages.send import Sender


async def test_with_rasa_down_the_message_waits_then_a_person_takes_over(
    client: Any, settings: Any, redis: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await new_account(client)
    message = await inbound(client, "can i pay next week")
    patient = settings.model_copy(update={"bot_unavailable_escalate_seconds": 60})
    async with turns_without_rasa(patient) as turns:
        with pytest.raises(Retry):
            await turns.answer(message["message_id"])
        pending = await rows(
            settings, select(messages.c.status).where(messages.c.direction == "inbound")
        )
        assert [p.status for p in pending] == ["pending"]
        monkeypatch.setattr(clock, "utcnow", lambda: DAYTIME + timedelta(seconds=61))
        assert await turns.answer(message["message_id"]) == "answered 0; a person takes over"
    thread = await (await client.get(f"/v1/conversations/{message['conversation_id']}")).json()
    assert thread["state"] == "escalated"
    assert thread["escalation_reason"].startswith("assistant_unavailable")
    statuses = [(m["direction"], m["status"]) for m in thread["messages"]]
    assert statuses == [("inbound", "for_agent"), ("outbound", "queued")]
    kinds = await rows(settings, select(account_updates.c.kind))
    assert [k.kind for k in kinds] == ["handoff"]


@contextlib.asynccontextmanager
async def turns_without_rasa(settings: Any) -> AsyncIterator[BotTurns]:
    """Bot turns as a worker has them, with Rasa unreachable."""
    arq = ArqRedis.from_url(settings.redis_dsn)
    engine = create_engine(settings.database_url)
    try:
        async with aiohttp.ClientSession() as http:
            sender = Sender(engine, arq, {}, settings)
            rasa = RasaClient(http, "http://127.0.0.1:9", timeout=1.0)
            yield BotTurns(engine, arq, settings, rasa, sender)
    finally:
        await engine.dispose()
        await arq.aclose()


async def test_a_turn_that_finds_the_conversation_busy_leaves_it_to_the_holder(
    client: Any, settings: Any, redis: Any
) -> None:
    await new_account(client)
    message = await inbound(client, "hello")
    async with turns_without_rasa(settings) as turns:
        holder = conversation_lock(turns.redis, message["conversation_id"])
        assert await holder.acquire(blocking=False)
        outcome = await turns.answer(message["message_id"])
        await holder.release()
    assert outcome == "answered 0; another turn holds the conversation"
    pending = await rows(
        settings, select(messages.c.status).where(messages.c.direction == "inbound")
    )
    assert [p.status for p in pending] == ["pending"]
