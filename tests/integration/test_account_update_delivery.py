"""Account updates delivered to the core system: signed and sent once, retried on server
errors, timeouts and refused connections until delivered or out of tries, refusals not retried,
nothing sent without a URL or a secret, and lost jobs requeued by the sweep.

Deliveries go to a real HTTP receiver on 127.0.0.1 that checks signatures like a core system
would (core_webhook_endpoint.py), through a real arq worker, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from account_update_helpers import (
    PROMISE,
    audit_events,
    create_account,
    record,
    record_one,
    stored_row,
)
from arq import Retry
from arq.connections import ArqRedis
from arq.constants import default_queue_name
from core_webhook_endpoint import Receiver, hooked, serve
from redis.asyncio import Redis
from shared import Drainer

from gateway.cli.embedded_redis import free_port
from gateway.config import Settings
from gateway.conversations.after_commit import AfterCommit
from gateway.db.engine import create_engine
from gateway.records.core_webhook import DELIVERY_HEADER, encode_body
from gateway.records.update_delivery import deliver_update, requeue_deliveries
from gateway.worker.jobs import enqueue_delivery


@pytest.fixture
async def receiver(aiohttp_server: Any) -> Receiver:
    found = Receiver()
    await serve(aiohttp_server, found)
    return found


@pytest.fixture
async def arq(redis_url: str, redis: Redis) -> AsyncIterator[ArqRedis]:
    """arq's client on the test's (already emptied) Redis database."""
    pool = ArqRedis.from_url(redis_url)
    yield pool
    await pool.aclose()


async def test_an_update_is_delivered_once_signed(
    client: Any, settings: Settings, receiver: Receiver, redis: Redis, arq: ArqRedis
) -> None:
    core = hooked(settings, receiver.url)
    await create_account(client)
    stored = await record_one(settings, "A-1")
    assert await enqueue_delivery(arq, stored.id)
    assert not await enqueue_delivery(arq, stored.id)  # the same job id
    await Drainer(core, redis)()

    (request,) = receiver.requests
    assert request.verified
    expected = {k: v for k, v in stored.public.items() if k != "delivery"}
    assert request.body == encode_body(expected)  # compact, sorted keys: what was signed
    assert json.loads(request.body) == expected
    assert request.headers[DELIVERY_HEADER] == str(stored.id)
    assert request.headers["Content-Type"] == "application/json"
    row = await stored_row(settings, stored.id)
    assert (row.delivery_state, row.delivery_attempts, row.last_error) == ("delivered", 1, None)
    listed = await (await client.get("/v1/accounts/A-1/updates")).json()
    assert listed["updates"][0]["delivery"]["state"] == "delivered"
    assert listed["updates"][0]["delivery"]["delivered_at"] is not None

    # A job that runs again (Redis lost its result) finds the update delivered: no second POST.
    await redis.flushdb()
    assert await enqueue_delivery(arq, stored.id)
    await Drainer(core, redis)()
    assert len(receiver.requests) == 1
    assert (await audit_events(settings)).count("account_update.delivered") == 1


@pytest.mark.parametrize("answers", [[500, 500], [503], [429], [408]])
async def test_server_errors_are_retried_until_delivered(
    client: Any,
    settings: Settings,
    receiver: Receiver,
    redis: Redis,
    arq: ArqRedis,
    answers: list[int],
) -> None:
    receiver.answers = list(answers)
    core = hooked(settings, receiver.url)
    await create_account(client)
    stored = await record_one(settings, "A-1")
    await enqueue_delivery(arq, stored.id)
    await Drainer(core, redis)()

    assert len(receiver.requests) == len(answers) + 1
    assert all(r.verified for r in receiver.requests)
    assert {r.headers[DELIVERY_HEADER] for r in receiver.requests} == {str(stored.id)}
    row = await stored_row(settings, stored.id)
    assert (row.delivery_state, row.delivery_attempts) == ("delivered", len(answers) + 1)
    assert row.last_error is None
    events = await audit_events(settings)
    assert events.count("account_update.delivery_failed") == len(answers)
    assert events.count("account_update.delivered") == 1


@pytest.mark.parametrize("status", [400, 404, 410, 302])
async def test_a_refusal_fails_without_retry(
    client: Any, settings: Settings, receiver: Receiver, redis: Redis, arq: ArqRedis, status: int
) -> None:
    receiver.answers = [status]
    core = hooked(settings, receiver.url)
    await create_account(client)
    stored = await record_one(settings, "A-1")
    await enqueue_delivery(arq, stored.id)
    await Drainer(core, redis)()

    assert len(receiver.requests) == 1
    row = await stored_row(settings, stored.id)
    assert (row.delivery_state, row.delivery_attempts) == ("failed", 1)
    assert row.last_error == f"HTTP {status}: refused here"


async def test_retries_stop_at_the_configured_number_of_tries(
    client: Any, settings: Settings, receiver: Receiver, redis: Redis, arq: ArqRedis
) -> None:
    receiver.answers = [500] * 10
    core = hooked(settings, receiver.url, core_webhook_max_tries=3)
    await create_account(client)
    stored = await record_one(settings, "A-1")
    await enqueue_delivery(arq, stored.id)
    await Drainer(core, redis)()

    assert len(receiver.requests) == 3
    row = await stored_row(settings, stored.id)
    assert (row.delivery_state, row.delivery_attempts) == ("failed", 3)
    assert row.last_error.startswith("HTTP 500")


async def test_without_a_webhook_url_updates_stay_pending(
    client: Any, settings: Settings, drain: Drainer, redis: Redis, arq: ArqRedis
) -> None:
    await create_account(client)
    (stored,) = await record(settings, "A-1", PROMISE, ago=3600)
    await AfterCommit(updates=[stored.id]).flush(arq, settings)
    engine = create_engine(settings.database_url)
    assert await requeue_deliveries(engine, arq, settings) == 0
    await engine.dispose()
    assert await redis.zcard(default_queue_name) == 0
    await drain()
    row = await stored_row(settings, stored.id)
    assert (row.delivery_state, row.delivery_attempts) == ("pending", 0)
    listed = await (await client.get("/v1/accounts/A-1/updates")).json()
    assert [u["id"] for u in listed["updates"]] == [str(stored.id)]


async def deliver_now(settings: Settings, update_id: int) -> str:
    """Run the delivery job once, outside a worker, as arq would on its first try."""
    engine = create_engine(settings.database_url)
    async with aiohttp.ClientSession() as http:
        try:
            return await deliver_update(engine, http, settings, update_id)
        finally:
            await engine.dispose()


async def test_an_unreachable_receiver_leaves_the_update_pending_for_a_retry(
    client: Any, settings: Settings, redis: Redis, arq: ArqRedis, aiohttp_server: Any
) -> None:
    port = free_port()
    core = hooked(settings, f"http://127.0.0.1:{port}/hooks/parley")
    await create_account(client)
    stored = await record_one(settings, "A-1")
    with pytest.raises(Retry):
        await deliver_now(core, stored.id)
    row = await stored_row(settings, stored.id)
    assert (row.delivery_state, row.delivery_attempts) == ("pending", 1)
    assert "Connect" in row.last_error

    # The core system comes back on that port: the retry delivers.
    receiver = Receiver()
    await serve(aiohttp_server, receiver, port)
    await enqueue_delivery(arq, stored.id)
    await Drainer(core, redis)()
    assert len(receiver.requests) == 1
    assert receiver.requests[0].verified
    row = await stored_row(settings, stored.id)
    assert (row.delivery_state, row.delivery_attempts) == ("delivered", 2)


async def test_a_slow_receiver_times_out_and_is_retried(
    client: Any, settings: Settings, receiver: Receiver
) -> None:
    receiver.delay = 1.0
    core = hooked(settings, receiver.url, core_webhook_timeout_seconds=0.2)
    await create_account(client)
    stored = await record_one(settings, "A-1")
    with pytest.raises(Retry):
        await deliver_now(core, stored.id)
    row = await stored_row(settings, stored.id)
    assert (row.delivery_state, row.last_error) == ("pending", "no answer within 0.2 s")
    assert await deliver_now(core, stored.id) == "delivered"


async def test_without_a_secret_nothing_is_sent_unsigned(
    client: Any, settings: Settings, receiver: Receiver
) -> None:
    core = hooked(settings, receiver.url, core_webhook_secret=None)
    await create_account(client)
    stored = await record_one(settings, "A-1")
    assert await deliver_now(core, stored.id) == "no secret"
    assert receiver.requests == []
    row = await stored_row(settings, stored.id)
    assert (row.delivery_state, row.delivery_attempts) == ("pending", 0)
    assert "PARLEY_CORE_WEBHOOK_SECRET" in row.last_error


async def test_the_sweep_requeues_deliveries_that_lost_their_job(
    client: Any, settings: Settings, receiver: Receiver, redis: Redis, arq: ArqRedis
) -> None:
    core = hooked(settings, receiver.url)
    await create_account(client)
    engine = create_engine(settings.database_url)
    try:
        # Neither was enqueued; only the old one is the sweep's: a fresh update's own job
        # may still be on its way.
        fresh = await record_one(settings, "A-1")
        (old,) = await record(settings, "A-1", PROMISE, ago=core.requeue_after_seconds + 60)
        assert await requeue_deliveries(engine, arq, core) == 1
        assert await requeue_deliveries(engine, arq, core) == 0  # its job is queued now
        await Drainer(core, redis)()
        assert await requeue_deliveries(engine, arq, core) == 0  # delivered
    finally:
        await engine.dispose()
    assert [r.headers[DELIVERY_HEADER] for r in receiver.requests] == [str(old.id)]
    assert (await stored_row(settings, fresh.id)).delivery_state == "pending"
    assert (await stored_row(settings, old.id)).delivery_state == "delivered"
