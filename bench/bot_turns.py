"""Bot-turn latency through the gateway against a direct call to Rasa, and turns per second.

    .venv/bin/python -m bench.bot_turns            # 100 sequential turns, 300 concurrent
    .venv/bin/python -m bench.bot_turns --quick    # 30 and 60

Starts the whole stack as real processes (``tests/stack.py``: gateway, two workers, Rasa, the
action server, SQLite, Redis db 13) with the repository's trained model. Every turn is the
same work on both paths: "who is this" in a conversation the gateway knows, which makes Rasa
run a custom action that reads the conversation from the gateway's bot API.

- direct: POST Rasa's REST webhook with the conversation id as sender; latency until it answers.
- gateway: POST /v1/messages/inbound; latency until the reply is recorded as sent by the
  console provider (the database's timestamp, taken on this machine's clock, so polling for it
  adds nothing). This includes the queue, the worker, the Rasa call, the policy check and the
  provider call.

Throughput: N messages spread over 20 conversations, all posted at once; turns per second
until every one is answered, against the same load sent straight to Rasa (20 senders in
parallel, each sequential, which is the order the gateway keeps per conversation).
Nothing here asserts a timing; this is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from stack import BotStack, repo_settings  # noqa: E402

from gateway.assistant.training import ensure_model  # noqa: E402
from gateway.db.engine import create_engine  # noqa: E402
from gateway.db.tables import messages  # noqa: E402

TEXT = "who is this"
CONVERSATIONS = 20


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(name: str, seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    row = {"median": statistics.median(ms), "p95": percentile(ms, 0.95), "n": len(ms)}
    print(f"{name:>8}: median {row['median']:7.1f} ms   p95 {row['p95']:7.1f} ms   n={len(ms)}")
    return row


class Bench:
    def __init__(self, stack: BotStack, http: aiohttp.ClientSession) -> None:
        self.stack = stack
        self.http = http
        self.engine = create_engine(stack.database_url)
        self.api = {"Authorization": f"Bearer {stack.api_token}"}
        self.stages: list[dict[str, float]] = []

    async def account(self, i: int) -> str:
        phone = f"+1312555{i:04d}"
        body = {
            "creditor": "Acme Bank",
            "collector_type": "third_party",
            "balance": {"amount": "432.10", "currency": "USD"},
            "debtor": {"name": "Dana Debtor", "timezone": "America/Chicago"},
            "contacts": [{"channel": "sms", "address": phone, "consent": True}],
        }
        url = f"{self.stack.gateway_url}/v1/accounts/BENCH-{i}"
        async with self.http.put(url, json=body, headers=self.api) as response:
            assert response.status in (200, 201), await response.text()
        return phone

    async def inbound(self, phone: str, text: str) -> dict[str, Any]:
        body = {"channel": "sms", "address": phone, "text": text}
        url = f"{self.stack.gateway_url}/v1/messages/inbound"
        async with self.http.post(url, json=body, headers=self.api) as response:
            return dict(await response.json())

    async def reply_sent_at(self, message_id: str, conversation_id: str) -> datetime:
        """When the first reply after the message was sent (polls the database)."""
        while True:
            async with self.engine.connect() as conn:
                rows = list(
                    await conn.execute(
                        select(messages.c.id, messages.c.status, messages.c.updated_at)
                        .where(
                            messages.c.conversation_id == conversation_id,
                            messages.c.direction == "outbound",
                            messages.c.id > message_id,
                        )
                        .order_by(messages.c.id)
                    )
                )
            if rows and rows[0].status == "sent":
                return rows[0].updated_at  # type: ignore[no-any-return]
            await asyncio.sleep(0.05)  # the timestamp is the database's: polling adds nothing

    async def answered(self, conversation_ids: set[str]) -> int:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(messages.c.status).where(
                    messages.c.conversation_id.in_(conversation_ids),
                    messages.c.direction == "inbound",
                )
            )
            return sum(1 for row in rows if row.status == "answered")

    async def direct(self, sender: str, text: str) -> float:
        body = {"sender": sender, "message": text}
        started = time.perf_counter()
        async with self.http.post(f"{self.stack.rasa_url}/webhooks/rest/webhook", json=body) as r:
            answer = await r.json()
        assert answer, "Rasa answered nothing"
        return time.perf_counter() - started

    async def through_gateway(self, phone: str, text: str) -> float:
        started = datetime.now(UTC)
        sent = await self.inbound(phone, text)
        sent_at = await self.reply_sent_at(sent["message_id"], sent["conversation_id"])
        self.stages.append(await self.stages_of(sent["message_id"], started))
        return (sent_at - started).total_seconds()

    async def stages_of(self, message_id: str, started: datetime) -> dict[str, float]:
        """Where one gateway turn spent its time, from the rows' own timestamps."""
        async with self.engine.connect() as conn:
            inbound = (
                await conn.execute(select(messages).where(messages.c.id == message_id))
            ).one()
            reply = (
                await conn.execute(
                    select(messages)
                    .where(
                        messages.c.conversation_id == inbound.conversation_id,
                        messages.c.direction == "outbound",
                        messages.c.id > message_id,
                    )
                    .order_by(messages.c.id)
                    .limit(1)
                )
            ).one()
        return {
            "intake (POST, stored)": (inbound.created_at - started).total_seconds(),
            "queue + turn (incl. Rasa)": (reply.created_at - inbound.created_at).total_seconds(),
            "reply: policy + provider": (reply.updated_at - reply.created_at).total_seconds(),
        }


async def run(turns: int, load: int) -> None:
    print("training or finding the model ...", file=sys.stderr)
    model = ensure_model(repo_settings(), ROOT, progress=lambda line: print(line, file=sys.stderr))
    with tempfile.TemporaryDirectory() as tmp:
        stack = BotStack(Path(tmp), model, redis_url="redis://127.0.0.1:6379/13", extra_env={})
        print("starting the stack (Rasa takes a minute) ...", file=sys.stderr)
        await asyncio.to_thread(stack.start)
        try:
            async with aiohttp.ClientSession() as http:
                await measure(Bench(stack, http), turns, load)
        finally:
            stack.stop()


async def measure(bench: Bench, turns: int, load: int) -> None:
    # Two sets of conversations: trackers grow with every turn and Rasa slows down with them,
    # so each throughput phase starts from conversations of the same length.
    everyone = [await bench.account(i) for i in range(2 * CONVERSATIONS + 1)]
    phones, direct_phones = everyone[:CONVERSATIONS], everyone[CONVERSATIONS:-1]
    # Open each conversation (and warm both paths) before the clock starts.
    conversations = {}
    for phone in everyone:
        first = await bench.inbound(phone, "hello")
        conversations[phone] = first["conversation_id"]
        await bench.reply_sent_at(first["message_id"], first["conversation_id"])
    phone = everyone[-1]
    sender = conversations[phone]
    for _ in range(5):
        await bench.direct(sender, TEXT)
        await bench.through_gateway(phone, TEXT)

    print(f"\nlatency of one turn, {turns} sequential turns each (interleaved):")
    direct, gateway = [], []
    for _ in range(turns):
        direct.append(await bench.direct(sender, TEXT))
        gateway.append(await bench.through_gateway(phone, TEXT))
    d = summary("direct", direct)
    g = summary("gateway", gateway)
    for stage in bench.stages[-turns:][0]:
        times = [row[stage] * 1000 for row in bench.stages[-turns:]]
        print(f"    {stage:<28} median {statistics.median(times):6.1f} ms")
    print(
        f"gateway adds: median {g['median'] - d['median']:.1f} ms, p95 {g['p95'] - d['p95']:.1f} ms"
    )

    per = max(1, load // CONVERSATIONS)
    print(f"\nthroughput: {per * CONVERSATIONS} turns over {CONVERSATIONS} conversations:")
    started = time.perf_counter()

    async def sender_loop(conversation_id: str) -> None:
        for _ in range(per):
            await bench.direct(conversation_id, TEXT)

    await asyncio.gather(*(sender_loop(conversations[p]) for p in direct_phones))
    direct_rate = per * CONVERSATIONS / (time.perf_counter() - started)
    print(f"  direct to Rasa:        {direct_rate:6.1f} turns/s")

    ids = {conversations[p] for p in phones}
    before = await bench.answered(ids)
    started = time.perf_counter()
    await asyncio.gather(*(bench.inbound(p, TEXT) for p in phones for _ in range(per)))
    while await bench.answered(ids) < before + per * CONVERSATIONS:  # noqa: ASYNC110 - polls the DB
        await asyncio.sleep(0.05)
    gateway_rate = per * CONVERSATIONS / (time.perf_counter() - started)
    print(f"  gateway, two workers:  {gateway_rate:6.1f} turns/s")
    print(f"  ratio gateway/direct:  {gateway_rate / direct_rate:.2f}")
    await bench.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    turns, load = (30, 60) if args.quick else (100, 300)
    asyncio.run(run(turns, load))


if __name__ == "__main__":
    main()
