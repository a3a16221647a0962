"""Account updates: the store, the paged API, the dispute hold, and signed webhook delivery.

Deliveries go to a real HTTP receiver on 127.0.0.1 that checks signatures like a core system
would, through a real arq worker, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from arq import Retry
from arq.connections import ArqRedis
from arq.constants import default_queue_name
from conftest import Drainer
from helpers import account_body, count_rows
from pydantic import HttpUrl, SecretStr
from redis.asyncio import Redis
from sqlalchemy import select

from gateway import clock
from gateway.cli.embedded_redis import free_port
from gateway.config import Settings
from gateway.conversations.after_commit import AfterCommit
from gateway.db.engine import create_engine
from gateway.db.tables import account_updates, audit_log
from gateway.errors import Conflict, ValidationFailed
from gateway.records.accounts import find_account_id
from gateway.records.audit import verify as verify_audit
from gateway.records.core_webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    encode_body,
    verify,
)
from gateway.records.update_delivery import deliver_update, requeue_deliveries
from gateway.records.updates import NewUpdate, StoredUpdate, record_update
from gateway.worker.jobs import enqueue_delivery

SECRET = "core-webhook-test-secret"
DAYTIME = "2026-03-10T21:00:00Z"  # 15:00 in Chicago: quiet hours never get in the way
PROMISE = NewUpdate(
    kind="promise_to_pay",
    data={"amount": "100.00", "currency": "USD", "date": "2026-03-20"},
    source="bot",
    confidence=0.93,
)
DISPUTE = NewUpdate(kind="dispute", data={"reason": "not my debt"}, source="agent")


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool


@dataclass
class Receiver:
    """A core system's webhook endpoint: checks signatures, keeps requests, answers a script."""

    answers: list[int] = field(default_factory=list)  # then 200 for every later request
    delay: float = 0.0  # seconds the first request waits before its answer
    requests: list[Received] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        ok = verify(
            SECRET.encode(),
            request.headers.get(TIMESTAMP_HEADER),
            request.headers.get(SIGNATURE_HEADER),
            body,
            now=int(time.time()),
        )
        self.requests.append(Received(dict(request.headers), body, ok))
        if self.delay and len(self.requests) == 1:
            await asyncio.sleep(self.delay)
        if not ok:
            return web.Response(status=403, text="bad signature")
        status = self.answers.pop(0) if self.answers else 200
        return web.Response(status=status, text="ok" if status < 300 else "refused here")


async def serve(aiohttp_server: Any, receiver: Receiver, port: int | None = None) -> Any:
    """The core system's webhook endpoint, on ``port`` (a free one by default)."""
    app = web.Application()
    app.router.add_post("/hooks/parley", receiver.handle)
    server = await aiohttp_server(app, host="127.0.0.1", port=port)
    receiver.url = str(server.make_url("/hooks/parley"))
    return server


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


def hooked(settings: Settings, url: str, **more: Any) -> Settings:
    """The test's settings with a core webhook at ``url``."""
    return settings.model_copy(
        update={
            "core_webhook_url": HttpUrl(url),
            "core_webhook_secret": SecretStr(SECRET),
            "core_webhook_max_tries": 5,
        }
        | more
    )


async def record(
    settings: Settings, ref: str, *updates: NewUpdate, ago: float = 0
) -> list[StoredUpdate]:
    """Record updates for an account in one transaction, as the bot API would."""
    engine = create_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            account_id = await find_account_id(conn, ref)
            now = clock.utcnow() - timedelta(seconds=ago)
            return [
                await record_update(conn, account_id=account_id, account_ref=ref, update=u, now=now)
                for u in updates
            ]
    finally:
        await engine.dispose()


async def record_one(settings: Settings, ref: str, update: NewUpdate = PROMISE) -> StoredUpdate:
    (stored,) = await record(settings, ref, update)
    return stored


async def stored_row(settings: Settings, update_id: int) -> Any:
    engine = create_engine(settings.database_url)
    async with engine.connect() as conn:
        row = (
            await conn.execute(select(account_updates).where(account_updates.c.id == update_id))
        ).one()
    await engine.dispose()
    return row


async def audit_events(settings: Settings) -> list[str]:
    engine = create_engine(settings.database_url)
    async with engine.connect() as conn:
        report = await verify_audit(conn)
        events = (
            (await conn.execute(select(audit_log.c.event).order_by(audit_log.c.id))).scalars().all()
        )
    await engine.dispose()
    assert report.ok, report.breaks
    return list(events)


async def create_account(client: Any, ref: str = "A-1", **overrides: Any) -> None:
    response = await client.put(f"/v1/accounts/{ref}", json=account_body(**overrides))
    assert response.status in {200, 201}, await response.text()


# --- the store and the API -------------------------------------------------------------------


async def test_updates_page_oldest_first_with_a_cursor(client: Any, settings: Settings) -> None:
    await create_account(client)
    await create_account(client, "A-2")
    kinds = ["promise_to_pay", "hardship", "callback_request", "agent_note", "handoff"]
    stored = await record(
        settings,
        "A-1",
        *(NewUpdate(kind=k, data={"n": i}, source="bot") for i, k in enumerate(kinds)),
    )
    await record(settings, "A-2", PROMISE)
    ids = [str(s.id) for s in stored]

    first = await (await client.get("/v1/accounts/A-1/updates", params={"limit": 2})).json()
    assert [u["id"] for u in first["updates"]] == ids[:2]
    assert first["next"] == ids[1]
    assert first["has_more"] is True
    second = await (
        await client.get("/v1/accounts/A-1/updates", params={"after": first["next"], "limit": 2})
    ).json()
    assert [u["kind"] for u in second["updates"]] == kinds[2:4]
    third = await (
        await client.get("/v1/accounts/A-1/updates", params={"after": second["next"], "limit": 2})
    ).json()
    assert [u["id"] for u in third["updates"]] == ids[4:]
    assert third["next"] == ids[4]
    assert third["has_more"] is False

    # An empty page keeps the cursor, so a client can poll with it; new updates show up there.
    empty = await (await client.get("/v1/accounts/A-1/updates", params={"after": ids[4]})).json()
    assert empty == {"updates": [], "next": ids[4], "has_more": False}
    late = await record_one(settings, "A-1", DISPUTE)
    polled = await (await client.get("/v1/accounts/A-1/updates", params={"after": ids[4]})).json()
    assert [u["id"] for u in polled["updates"]] == [str(late.id)]

    everything = await (await client.get("/v1/accounts/A-1/updates")).json()
    assert [u["id"] for u in everything["updates"]] == [*ids, str(late.id)]
    assert everything["updates"][0] == stored[0].public
    assert everything["updates"][0] == {
        "id": ids[0],
        "account_ref": "A-1",
        "kind": "promise_to_pay",
        "source": "bot",
        "confidence": None,
        "data": {"n": 0},
        "conversation_id": None,
        "message_id": None,
        "created_at": stored[0].public["created_at"],
        "delivery": {"state": "pending", "attempts": 0, "delivered_at": None, "last_error": None},
    }
    assert everything["updates"][0]["created_at"].endswith("Z")


async def test_an_account_without_updates_answers_an_empty_page(client: Any) -> None:
    await create_account(client)
    body = await (await client.get("/v1/accounts/A-1/updates")).json()
    assert body == {"updates": [], "next": "0", "has_more": False}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"after": "abc"}, "after"),
        ({"after": "-1"}, "after"),
        ({"after": "1.5"}, "after"),
        ({"after": ""}, "after"),
        ({"after": "9" * 20}, "after"),
        ({"after": "9" * 5000}, "after"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "-5"}, "limit"),
    ],
)
async def test_bad_cursor_or_limit_is_a_422_naming_it(
    client: Any, query: dict[str, str], field: str
) -> None:
    await create_account(client)
    response = await client.get("/v1/accounts/A-1/updates", params=query)
    assert response.status == 422
    error = (await response.json())["error"]
    assert [d["field"] for d in error["details"]] == [field]


async def test_unknown_account_bad_ref_and_no_token(client: Any) -> None:
    missing = await client.get("/v1/accounts/NOPE/updates")
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "account_not_found"
    bad = await client.get("/v1/accounts/bad%20ref/updates")
    assert bad.status == 422
    anonymous = await client.get("/v1/accounts/NOPE/updates", headers={"Authorization": ""})
    assert anonymous.status == 401


async def test_a_dedupe_key_records_one_update(client: Any, settings: Settings) -> None:
    await create_account(client)
    await create_account(client, "A-2")
    keyed = NewUpdate(kind="hardship", data={"reason": "job loss"}, source="bot", dedupe_key="k1")
    first = await record_one(settings, "A-1", keyed)
    again = await record_one(settings, "A-1", keyed)
    assert first.created
    assert not again.created
    assert again.id == first.id
    assert again.public == first.public
    assert await count_rows(settings.database_url, account_updates) == 1
    assert (await audit_events(settings)).count("account_update.recorded") == 1

    with pytest.raises(Conflict):
        await record_one(settings, "A-2", keyed)
    with pytest.raises(Conflict):
        await record_one(settings, "A-1", NewUpdate("dispute", {}, "bot", dedupe_key="k1"))
    # Without a key nothing is deduplicated: two hardship statements are two facts.
    await record(
        settings, "A-1", NewUpdate("hardship", {}, "bot"), NewUpdate("hardship", {}, "bot")
    )
    assert await count_rows(settings.database_url, account_updates) == 3


@pytest.mark.parametrize(
    ("kind", "source", "confidence", "field"),
    [
        ("promise", "bot", None, "kind"),
        ("dispute", "robot", None, "source"),
        ("dispute", "bot", 1.5, "confidence"),
    ],
)
def test_an_invalid_update_is_refused(
    kind: str, source: str, confidence: float | None, field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        NewUpdate(kind=kind, data={}, source=source, confidence=confidence)
    assert [d["field"] for d in refused.value.details] == [field]


async def evaluate(client: Any) -> dict[str, Any]:
    response = await client.post(
        "/v1/policy/evaluate",
        json={"account_ref": "A-1", "channel": "sms", "purpose": "collection", "at": DAYTIME},
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def test_a_dispute_places_the_dispute_hold(client: Any, settings: Settings) -> None:
    await create_account(client)
    assert (await evaluate(client))["outcome"] == "allow"

    await record_one(settings, "A-1", DISPUTE)
    decision = await evaluate(client)
    assert decision["outcome"] == "block"
    assert "dispute_hold" in [r["rule"] for r in decision["reasons"]]
    account = await (await client.get("/v1/accounts/A-1")).json()
    assert account["flags"]["disputed"] is True
    assert "dispute_hold" in account["holds"]

    await record_one(settings, "A-1", DISPUTE)  # already on hold: no second hold entry
    events = await audit_events(settings)
    assert events.count("account_update.recorded") == 2
    assert events.count("account.dispute_hold") == 1


async def test_a_new_dispute_after_validation_holds_again(client: Any, settings: Settings) -> None:
    validated = {
        "cease_communication": False,
        "disputed": True,
        "validation_recorded": True,
        "do_not_contact": False,
        "attorney_represented": False,
    }
    await create_account(client, flags=validated)
    assert (await evaluate(client))["outcome"] == "allow"
    await record_one(settings, "A-1", DISPUTE)
    decision = await evaluate(client)
    assert [r["rule"] for r in decision["reasons"]] == ["dispute_hold"]
    account = await (await client.get("/v1/accounts/A-1")).json()
    assert account["flags"]["validation_recorded"] is False


async def test_other_kinds_place_no_hold(client: Any, settings: Settings) -> None:
    await create_account(client)
    await record(settings, "A-1", PROMISE, NewUpdate("hardship", {}, "transcript", 0.4))
    assert (await evaluate(client))["outcome"] == "allow"
    assert "account.dispute_hold" not in await audit_events(settings)


# --- delivery to the core system -------------------------------------------------------------


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
