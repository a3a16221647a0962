"""Bot-turn latency through the gateway against a direct call to Rasa, and turns per second.

    .venv/bin/python -m bench.bot_turns            # 100 sequential turns, 300 concurrent
    .venv/bin/python -m bench.bot_turns --quick    # 30 and 60
    .venv/bin/python -m bench.bot_turns --smoke    # 3 and 6: proves it runs (Rasa still loads)
    .venv/bin/python -m bench.bot_turns --rasa stub --database postgres

Starts the whole stack as real processes (``tests/stack.py``: gateway, two workers, Rasa, the
action server, a fresh SQLite file or PostgreSQL database (``--database``), Redis db 13 unless
``--redis-url``) with the repository's trained model; replies go to the console provider.
``--rasa stub`` replaces Rasa and the action server with a stub that answers every turn at once
(``bench.rasa_stub``): Rasa's own time varies by more than the gateway adds, so against the stub
the difference of the two paths is the gateway's work alone. ``measure`` also runs against a
stack that is already up (the tests run it on their ``bot_stack``). Every turn is the same work
on both paths: "who is this" in a conversation the gateway knows, which makes Rasa run a custom
action that reads the conversation from the gateway's bot API.

- direct: POST Rasa's REST webhook with the conversation id as sender; latency until it answers.
- gateway: POST /v1/messages/inbound; latency until the reply is recorded as sent by the
  channel provider (the database's timestamp, taken on this machine's clock, so polling for it
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
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import aiohttp

from bench.databases import KINDS, database
from bench.rasa_stub import RasaStub
from bench.turn_probe import TurnProbe

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from stack import BotStack, repo_settings  # noqa: E402
from twilio_fixtures import ThreadedEmulator  # noqa: E402

from gateway.assistant.training import ensure_model  # noqa: E402

TEXT = "who is this"
REDIS_URL = "redis://127.0.0.1:6379/13"


class RunningStack(Protocol):
    """What the measurement needs of a running stack (``tests/stack.py``'s BotStack has it)."""

    @property
    def gateway_url(self) -> str: ...
    @property
    def rasa_url(self) -> str: ...
    @property
    def database_url(self) -> str: ...
    @property
    def api_token(self) -> str: ...


@dataclass(frozen=True)
class Workload:
    """How much to measure, and whose accounts: refs and numbers nobody else on the stack uses."""

    turns: int  # sequential turns on each path, for latency
    load: int  # turns in the throughput phase, spread over the conversations
    conversations: int = 20
    warm_up_turns: int = 5
    account_prefix: str = "BENCH-"
    phone_prefix: str = "+1312555"  # E.164: the account's index fills the remaining digits

    def phone(self, i: int) -> str:
        """The SMS number of account ``i``."""
        return f"{self.phone_prefix}{i:0{12 - len(self.phone_prefix)}d}"


@dataclass(frozen=True)
class Latency:
    """Latencies of one path in milliseconds."""

    median: float
    p95: float
    n: int


@dataclass(frozen=True)
class TurnResults:
    """What ``measure`` found: latency on both paths, where the gateway's went, throughput."""

    direct: Latency
    gateway: Latency
    stages: dict[str, float] = field(default_factory=dict)  # medians, milliseconds
    direct_turns_per_second: float = 0.0
    gateway_turns_per_second: float = 0.0

    @property
    def gateway_adds_ms(self) -> float:
        """Median latency the gateway adds to a turn."""
        return self.gateway.median - self.direct.median

    @property
    def throughput_ratio(self) -> float:
        """Gateway turns per second over direct ones."""
        return self.gateway_turns_per_second / self.direct_turns_per_second


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(name: str, seconds: list[float]) -> Latency:
    """Print and return the median and p95 of ``seconds``, in milliseconds."""
    ms = [s * 1000 for s in seconds]
    row = Latency(statistics.median(ms), percentile(ms, 0.95), len(ms))
    print(f"{name:>8}: median {row.median:7.1f} ms   p95 {row.p95:7.1f} ms   n={row.n}")
    return row


async def measure(stack: RunningStack, workload: Workload) -> TurnResults:
    """Latency and throughput of bot turns on a running stack; prints them as it goes."""
    async with aiohttp.ClientSession() as http:
        probe = TurnProbe(
            http, stack.gateway_url, stack.rasa_url, stack.database_url, stack.api_token
        )
        try:
            return await _measure(probe, workload)
        finally:
            await probe.close()


async def _measure(probe: TurnProbe, workload: Workload) -> TurnResults:
    n = workload.conversations
    # Two sets of conversations: trackers grow with every turn and Rasa slows down with them,
    # so each throughput phase starts from conversations of the same length.
    everyone = [
        await probe.account(f"{workload.account_prefix}{i}", workload.phone(i))
        for i in range(2 * n + 1)
    ]
    phones, direct_phones = everyone[:n], everyone[n:-1]
    # Open each conversation (and warm both paths) before the clock starts.
    conversations = {}
    for phone in everyone:
        first = await probe.inbound(phone, "hello")
        conversations[phone] = first["conversation_id"]
        await probe.reply_sent_at(first["message_id"], first["conversation_id"])
    phone = everyone[-1]
    sender = conversations[phone]
    for _ in range(workload.warm_up_turns):
        await probe.direct(sender, TEXT)
        await probe.through_gateway(phone, TEXT)

    turns = workload.turns
    print(f"\nlatency of one turn, {turns} sequential turns each (interleaved):")
    direct, gateway = [], []
    for _ in range(turns):
        direct.append(await probe.direct(sender, TEXT))
        gateway.append(await probe.through_gateway(phone, TEXT))
    d = summary("direct", direct)
    g = summary("gateway", gateway)
    stages = {}
    for stage in probe.stages[-turns:][0]:
        stages[stage] = statistics.median(row[stage] * 1000 for row in probe.stages[-turns:])
        print(f"    {stage:<28} median {stages[stage]:6.1f} ms")
    print(f"gateway adds: median {g.median - d.median:.1f} ms, p95 {g.p95 - d.p95:.1f} ms")

    per = max(1, workload.load // n)
    print(f"\nthroughput: {per * n} turns over {n} conversations:")
    started = time.perf_counter()

    async def sender_loop(conversation_id: str) -> None:
        for _ in range(per):
            await probe.direct(conversation_id, TEXT)

    await asyncio.gather(*(sender_loop(conversations[p]) for p in direct_phones))
    direct_rate = per * n / (time.perf_counter() - started)
    print(f"  direct to Rasa:        {direct_rate:6.1f} turns/s")

    ids = {conversations[p] for p in phones}
    before = await probe.answered(ids)
    started = time.perf_counter()
    await asyncio.gather(*(probe.inbound(p, TEXT) for p in phones for _ in range(per)))
    while await probe.answered(ids) < before + per * n:  # noqa: ASYNC110 - polls the DB
        await asyncio.sleep(0.05)
    gateway_rate = per * n / (time.perf_counter() - started)
    print(f"  gateway, two workers:  {gateway_rate:6.1f} turns/s")
    print(f"  ratio gateway/direct:  {gateway_rate / direct_rate:.2f}")
    return TurnResults(d, g, stages, direct_rate, gateway_rate)


async def run(workload: Workload, redis_url: str, kind: str, rasa: str) -> TurnResults:
    """Start the whole stack on a fresh database of ``kind`` (sqlite or postgres) with the
    repository's model (``rasa`` "real") or a stub that answers at once ("stub"), measure, stop."""
    stub = RasaStub() if rasa == "stub" else None
    if stub is None:
        print("training or finding the model ...", file=sys.stderr)
        progress = lambda line: print(line, file=sys.stderr)  # noqa: E731
        model: Path | None = ensure_model(repo_settings(), ROOT, progress=progress)
    else:
        stub.start()
        model = None
    # BotStack needs a Twilio; with the console provider (extra_env={}) nothing calls it.
    twilio = ThreadedEmulator()
    twilio.start()
    try:
        async with database(kind) as url:
            with tempfile.TemporaryDirectory() as tmp:
                stack = BotStack(
                    Path(tmp),
                    model,
                    redis_url=redis_url,
                    extra_env={},
                    twilio=twilio,
                    database_url=url,
                    rasa_url=stub.url if stub else None,
                )
                print(f"starting the stack on {kind} with {rasa} Rasa ...", file=sys.stderr)
                try:
                    await asyncio.to_thread(stack.start)
                    return await measure(stack, workload)
                finally:
                    stack.stop()
    finally:
        twilio.stop()
        if stub is not None:
            stub.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: parse ``argv``, start the stack, measure, return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", action="store_true", help="30 and 60 turns")
    sizes.add_argument(
        "--smoke",
        action="store_true",
        help="3 and 6 turns over 2 conversations: proves it runs, times nothing",
    )
    parser.add_argument("--redis-url", default=REDIS_URL, help=f"default {REDIS_URL}")
    parser.add_argument("--database", choices=KINDS, default="sqlite", help="default sqlite")
    parser.add_argument(
        "--rasa",
        choices=("real", "stub"),
        default="real",
        help="the repository's model (default), or a stub answering at once: what the gateway "
        "adds without Rasa's own variance",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        workload = Workload(turns=3, load=6, conversations=2, warm_up_turns=1)
    else:
        workload = Workload(*((30, 60) if args.quick else (100, 300)))
    asyncio.run(run(workload, args.redis_url, args.database, args.rasa))
    return 0


if __name__ == "__main__":
    sys.exit(main())
