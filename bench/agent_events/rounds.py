"""The sequential rounds: the Redis baseline, the hub alone, the Twilio webhook path and the
core API path, each timed from just before its cause to the frame on A's socket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable

import aiohttp
from redis.asyncio import Redis

from bench.agent_events.debtors import TEXTS
from bench.agent_events.listener import Expected, Listener
from bench.agent_events.results import Latency, Series
from bench.agent_events.stack import CORE_API_AUTH, Replica
from bench.processes import START_TIMEOUT_SECONDS
from bench.twilio_sms import SMS_PATH, inbound_sms
from gateway.conversations.agent_events import MESSAGE_RECEIVED, agent_channel

PING_CHANNEL = "bench:agent-events:ping"  # the baseline's own channel, which no replica reads
PROBE = "bench.probe"


async def read_pubsub(redis: Redis, listener: Listener, subscribed: asyncio.Event) -> None:
    """The baseline's subscriber: the bench's own channel, handed to the listener."""
    async with redis.pubsub() as pubsub:
        await pubsub.subscribe(PING_CHANNEL)
        subscribed.set()
        async for message in pubsub.listen():
            if message["type"] == "message":
                listener.deliver(message["data"], time.perf_counter())


async def timed_post(
    session: aiohttp.ClientSession,
    url: str,
    expected_status: int,
    *,
    headers: dict[str, str],
    form: dict[str, str] | None = None,
    document: dict[str, str] | None = None,
    check: Callable[[str], bool] = lambda _body: True,
) -> tuple[float, bool]:
    """POST a form or a JSON document; when it answered and whether as expected."""
    try:
        async with session.post(url, data=form, json=document, headers=headers) as response:
            body = await response.text()
            ok = response.status == expected_status and check(body)
    except aiohttp.ClientError:
        ok = False
    return time.perf_counter(), ok


def probe(tag: str) -> str:
    """An event of the bench's own: ``tag`` stands where a real event has its conversation
    id, so the listener matches it like any other."""
    return json.dumps({"event": PROBE, "conversation_id": tag})


class Rounds:
    """The sequential rounds: baseline, hub alone, Twilio webhook path, core API path."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        redis: Redis,
        listener: Listener,
        replica_b: Replica,
        conversations: list[tuple[str, str]],  # (conversation id, phone)
    ) -> None:
        self.http = http
        self.redis = redis
        self.listener = listener
        self.b = replica_b
        self.conversations = conversations
        self.count = 0

    async def redis_ping(self, series: Series, wait_seconds: float) -> None:
        """Publish on the bench's channel; its own subscriber receives it."""
        await self._probe(PING_CHANNEL, f"ping-{self.count}", series, wait_seconds)

    async def hub_probe(self, series: Series, wait_seconds: float) -> None:
        """Publish an event on the agent channel; A's subscriber forwards it to the socket."""
        await self._probe(agent_channel(self.redis), f"probe-{self.count}", series, wait_seconds)

    async def _probe(self, channel: str, tag: str, series: Series, wait_seconds: float) -> None:
        self.listener.expect(PROBE, tag)
        started = time.perf_counter()
        await self.redis.publish(channel, probe(tag))
        got = await self.listener.wait(PROBE, tag, wait_seconds)
        series.add(started, got.arrivals[0] if got.arrivals else None)

    async def twilio(
        self, answer: Series, event: Series, wait_seconds: float, needed: int = 1
    ) -> tuple[float, Expected]:
        """A signed Twilio webhook to B; its answer, and the event on ``needed`` of A's sockets
        (the first of them in ``event``). Returns when it was sent, and the arrivals."""
        conversation_id, number = self.conversations[self.count % len(self.conversations)]
        form, headers = inbound_sms(number, TEXTS[self.count % len(TEXTS)])
        self.listener.expect(MESSAGE_RECEIVED, conversation_id, needed)
        started = time.perf_counter()
        answered, ok = await timed_post(
            self.http, self.b.url + SMS_PATH, 200, headers=headers, form=form
        )
        answer.add(started, answered)
        answer.errors += not ok
        got = await self.listener.wait(MESSAGE_RECEIVED, conversation_id, wait_seconds)
        event.add(started, min(got.arrivals) if got.done.is_set() else None)
        return started, got

    async def api(self, answer: Series, event: Series, wait_seconds: float) -> None:
        """POST /v1/messages/inbound to B; its answer, and the event on A's socket."""
        conversation_id, number = self.conversations[self.count % len(self.conversations)]
        text = TEXTS[(self.count + 2) % len(TEXTS)]

        def routed_to_agent(body: str) -> bool:
            found = json.loads(body)
            return bool(found["route"] == "agent" and found["conversation_id"] == conversation_id)

        self.listener.expect(MESSAGE_RECEIVED, conversation_id)
        started = time.perf_counter()
        answered, ok = await timed_post(
            self.http,
            self.b.url + "/v1/messages/inbound",
            202,
            headers=CORE_API_AUTH,
            document={"channel": "sms", "address": number, "text": text},
            check=routed_to_agent,
        )
        answer.add(started, answered)
        answer.errors += not ok
        got = await self.listener.wait(MESSAGE_RECEIVED, conversation_id, wait_seconds)
        event.add(started, got.arrivals[0] if got.arrivals else None)

    async def broadcast(self, wait_seconds: float, sockets: int) -> tuple[float, Expected]:
        """A webhook as in the rounds (its latencies not kept) whose event ``sockets`` sockets
        must receive; when it was sent, and the arrivals."""
        ignored = Series("fan-out")
        sent = await self.twilio(ignored, ignored, wait_seconds, sockets)
        self.count += 1
        return sent

    async def one(self, latency: Latency, wait_seconds: float) -> None:
        """One round of the four measurements."""
        await self.redis_ping(latency.redis, wait_seconds)
        await self.hub_probe(latency.hub, wait_seconds)
        await self.twilio(latency.twilio_answer, latency.twilio_event, wait_seconds)
        await self.api(latency.api_answer, latency.api_event, wait_seconds)
        self.count += 1


async def hub_ready(redis: Redis, listener: Listener) -> None:
    """Wait until A's subscriber forwards events (it subscribes once the replica has started)."""
    expected = listener.expect(PROBE, "ready")
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    try:
        while not expected.done.is_set():
            if time.monotonic() > deadline:
                raise RuntimeError("replica A's agent-event subscriber never forwarded an event")
            await redis.publish(agent_channel(redis), probe("ready"))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(expected.done.wait(), 0.2)
    finally:
        listener.forget(PROBE, "ready")
