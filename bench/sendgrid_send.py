"""Outbound email sends per second per worker, against the SendGrid emulator, three ways.

    .venv/bin/python -m bench.sendgrid_send                  # 10,000 sends each way
    .venv/bin/python -m bench.sendgrid_send --sends 2000 --concurrency 50
    .venv/bin/python -m bench.sendgrid_send --smoke          # seconds: proves it runs

The emulator (``tests/sendgrid_emulator``'s Mail Send: bearer auth, validation of the mail,
202 with an ``X-Message-Id``) runs in a child process (``python -m bench._server
sendgrid-emulator``), so it has a core and an event loop of its own. This process is the worker:
``--concurrency`` tasks (a worker's ``worker_max_jobs``, 20) on one event loop, each taking the
next message, yielding to the loop once (a job's other awaits), then sending it. Every way sends
the same mails, built by the same ``SendGridEmailProvider.request_body`` (the SDK's ``Mail``
helper): a payment reminder with a text and an HTML part and ``List-Unsubscribe`` headers.

- **aiohttp** (Parley's way): ``SendGridEmailProvider.send`` on one shared ``aiohttp``
  session (keep-alive connections, up to 100);
- **sdk-threads** (the baseline asked for): the ``sendgrid`` package's own synchronous client,
  ``SendGridAPIClient(api_key, host=...).send(body)`` (urllib: a new connection per send), run
  with ``asyncio.to_thread`` in the loop's default executor (min(32, cores + 4) threads);
- **sdk-on-loop**: the same client called on the event loop itself, which blocks it for each
  send: one send at a time whatever the concurrency.

The ways alternate in ``--rounds`` rounds, after a warm-up of each. Printed per way: sends/s,
p50/p99 latency of one send (from the call to its answer, waiting for a thread included), how
late a 5 ms heartbeat task on the loop ran (p99 and max: how long the loop was blocked), the CPU
seconds of the emulator and of this process, and the ratio of the aiohttp way's sends/s to each;
then whether the emulator accepted exactly the mails answered 202 (the exit status is 1 if not).
Nothing here asserts a timing; this is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
import urllib.error
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import python_http_client.exceptions  # type: ignore[import-untyped,unused-ignore]
import sendgrid  # type: ignore[import-untyped,unused-ignore]

from bench.cancellable import run_cancellable
from bench.cpu import Cpu, pids_of, quiet
from bench.processes import Server
from bench.progress import log
from bench.stats import median, percentile
from channels.base import OutboundMessage, ProviderError
from channels.sendgrid_email import SendGridEmailProvider

MODES = ("aiohttp", "sdk-threads", "sdk-on-loop")
EMULATOR_API_KEY = "SG.parley-test-key.emulator"  # sendgrid_emulator.DEFAULT_API_KEY
HEARTBEAT_SECONDS = 0.005
FROM_EMAIL = "collections@parley-bench.example"
SUBJECT = "Your account with Northwind Card Services"
TEXT = (
    "Hello Debtor Example,\n\nThis is a reminder about your account with Northwind Card "
    "Services. The balance is $1,234.56. You can pay online, set up a payment plan or reply to "
    "this email to talk to us.\n\nThis communication is from a debt collector. This is an attempt "
    "to collect a debt and any information obtained will be used for that purpose.\n\nParley "
    "Recovery Services, +1 800 555 0100, support@parley.example\n\nTo stop emails from us: "
    "https://parley-bench.example/unsubscribe/{token}\n"
)
HTML = "<!doctype html><html><body>" + "".join(
    f'<p style="font-family:Arial,sans-serif;font-size:14px">{line}</p>'
    for line in TEXT.split("\n\n")
)
SEND_ERRORS = (
    ProviderError,
    python_http_client.exceptions.HTTPError,
    urllib.error.URLError,
    OSError,
    aiohttp.ClientError,
)
Send = Callable[[OutboundMessage], Awaitable[None]]


@dataclass
class Way:
    """One way of sending, summed over its rounds."""

    mode: str
    sends: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)
    emulator_cpu: float = 0.0
    client_cpu: float = 0.0

    @property
    def throughput(self) -> float:
        """Sends answered 202 per second."""
        return self.sends / self.seconds if self.seconds else 0.0


def outbound(i: int) -> OutboundMessage:
    """A rendered payment reminder for debtor ``i``, with Parley's message id."""
    token = uuid.uuid4().hex
    return OutboundMessage(
        message_id=f"msg_{token}",
        channel="email",
        to=f"debtor{i}@example.com",
        body=TEXT.format(token=token),
        subject=SUBJECT,
        html=HTML.format(token=token) + "</body></html>",
    )


def senders(provider: SendGridEmailProvider, client: Any) -> dict[str, Send]:
    """The three ways of sending one message; each raises on anything but a 202."""

    def check(response: Any) -> None:
        if response.status_code != 202 or not response.headers.get("X-Message-Id"):
            raise ProviderError(f"sendgrid_{response.status_code}", "not accepted", retryable=False)

    async def via_aiohttp(message: OutboundMessage) -> None:
        await provider.send(message)

    async def via_threads(message: OutboundMessage) -> None:
        check(await asyncio.to_thread(client.send, provider.request_body(message)))

    async def on_loop(message: OutboundMessage) -> None:
        check(client.send(provider.request_body(message)))  # blocks the event loop

    return {"aiohttp": via_aiohttp, "sdk-threads": via_threads, "sdk-on-loop": on_loop}


async def heartbeat(lags: list[float]) -> None:
    """Sleep 5 ms again and again, noting how late each wake-up came (until cancelled)."""
    while True:
        due = time.perf_counter() + HEARTBEAT_SECONDS
        await asyncio.sleep(HEARTBEAT_SECONDS)
        lags.append(max(0.0, time.perf_counter() - due))


async def run_way(
    send: Send, messages: Sequence[OutboundMessage], concurrency: int, way: Way
) -> None:
    """Send ``messages`` with ``concurrency`` tasks, adding what happened to ``way``."""
    pending: Iterator[OutboundMessage] = iter(messages)

    async def task() -> None:
        for message in pending:
            await asyncio.sleep(0)  # a job's other awaits: the loop may run something else
            start = time.perf_counter()
            try:
                await send(message)
            except SEND_ERRORS:
                way.errors += 1
                continue
            way.latencies.append(time.perf_counter() - start)
            way.sends += 1

    beat = asyncio.create_task(heartbeat(way.lags))
    start = time.perf_counter()
    await asyncio.gather(*(task() for _ in range(concurrency)))
    way.seconds += time.perf_counter() - start
    beat.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await beat


async def drain(session: aiohttp.ClientSession, emulator: Server) -> int:
    """Mails the emulator accepted since the last drain (it then forgets them)."""
    async with session.post(emulator.url + "/bench/drain") as response:
        return int((await response.json())["accepted"])


async def measure(args: argparse.Namespace, emulator: Server) -> tuple[dict[str, Way], int, int]:
    """Warm every way up, then the rounds; the ways, the sends answered 202 (warm-up included)
    and the mails the emulator accepted."""
    ways = {mode: Way(mode) for mode in MODES}
    cpu = Cpu({"emulator": pids_of(emulator.pid)})
    async with aiohttp.ClientSession() as session, aiohttp.ClientSession() as control:
        await emulator.ready(control, "/v3/mail/send")
        provider = SendGridEmailProvider(
            session,
            api_key=EMULATOR_API_KEY,
            from_email=FROM_EMAIL,
            from_name="Parley Recovery Services",
            unsubscribe_url=lambda message_id: f"https://parley-bench.example/u/{message_id}",
            base_url=emulator.url,
        )
        client = sendgrid.SendGridAPIClient(EMULATOR_API_KEY, host=emulator.url)
        send = senders(provider, client)
        answered, accepted = 0, 0
        for mode in MODES:
            warm = Way(mode)
            warm_up = [outbound(i) for i in range(args.warm_up)]
            await run_way(send[mode], warm_up, args.concurrency, warm)
            answered += warm.sends
        accepted += await drain(control, emulator)
        per_round = max(1, args.sends // args.rounds)
        for round_ in range(args.rounds):
            for mode in MODES:
                messages = [outbound(i) for i in range(per_round)]
                await quiet(args.quiet_wait, sample_seconds=args.idle_sample_seconds)
                way = Way(mode)
                cpu.begin()
                await run_way(send[mode], messages, args.concurrency, way)
                used = cpu.end()
                _add(ways[mode], way, used)
                answered += way.sends
                accepted += await drain(control, emulator)
                log(
                    f"round {round_ + 1}/{args.rounds} {mode}: {way.throughput:.0f} sends/s, "
                    f"p99 {percentile(way.latencies, 0.99) * 1000:.1f} ms, "
                    f"loop lag max {max(way.lags, default=0) * 1000:.1f} ms, {way.errors} errors"
                )
    return ways, answered, accepted


def _add(total: Way, way: Way, used: dict[str, float]) -> None:
    total.sends += way.sends
    total.errors += way.errors
    total.seconds += way.seconds
    total.latencies += way.latencies
    total.lags += way.lags
    total.emulator_cpu += used["emulator"]
    total.client_cpu += used["client"]


def report(ways: dict[str, Way], answered: int, accepted: int, args: argparse.Namespace) -> str:
    """A Markdown table, the two ratios and the emulator's count."""
    threads = min(32, (os.cpu_count() or 1) + 4)
    how = {
        "aiohttp": f"{args.concurrency} tasks, one aiohttp session",
        "sdk-threads": f"{args.concurrency} tasks, to_thread ({threads} threads)",
        "sdk-on-loop": f"{args.concurrency} tasks, blocking the loop",
    }
    lines = [
        "| way | concurrency | sends | errors | sends/s | p50 ms | p99 ms | loop lag p50 ms "
        "| loop lag p99 ms | loop lag max ms | emulator CPU s | client CPU ms/send "
        "| aiohttp / this |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    reference = ways["aiohttp"].throughput
    for way in ways.values():
        ratio = f"{reference / way.throughput:.2f}x" if way.throughput else ""
        lines.append(
            f"| {way.mode} | {how[way.mode]} | {way.sends:,} | {way.errors} | "
            f"{way.throughput:,.1f} | {median(way.latencies) * 1000:.2f} | "
            f"{percentile(way.latencies, 0.99) * 1000:.2f} | "
            f"{median(way.lags) * 1000:.2f} | {percentile(way.lags, 0.99) * 1000:.2f} | "
            f"{max(way.lags, default=0) * 1000:.2f} | "
            f"{way.emulator_cpu:.2f} | {way.client_cpu * 1000 / max(1, way.sends):.3f} | {ratio} |"
        )
    verdict = "ok" if accepted == answered else "MISMATCH"
    lines.append("")
    for mode in MODES[1:]:
        slower = ways[mode].throughput
        ratio = f"{reference / slower:.2f}x" if slower else "n/a"
        lines.append(f"aiohttp / {mode}: {ratio} the sends per second")
    lines += [
        f"emulator: {verdict} — {answered:,} sends answered 202 (warm-up included), "
        f"{accepted:,} mails accepted",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line; ``--smoke`` replaces the sizes with tiny ones."""
    parser = argparse.ArgumentParser(prog="python -m bench.sendgrid_send")
    parser.add_argument("--sends", type=int, default=10_000, help="per way, over all rounds")
    parser.add_argument("--concurrency", type=int, default=20, help="a worker's worker_max_jobs")
    parser.add_argument("--rounds", type=int, default=5, help="the ways alternate this often")
    parser.add_argument("--warm-up", type=int, default=200, help="sends per way first")
    parser.add_argument("--quiet-wait", type=float, default=10.0)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a few seconds: 30 sends per way in one round, 5 warm-up sends, no waiting for a "
        "quiet machine; proves it runs, times nothing",
    )
    args = parser.parse_args(argv)
    args.idle_sample_seconds = 1.0
    if args.smoke:
        args.sends, args.rounds, args.warm_up = 30, 1, 5
        args.quiet_wait, args.idle_sample_seconds = 0.0, 0.1
    if min(args.sends, args.concurrency, args.rounds) < 1 or args.warm_up < 0:
        parser.error("--sends, --concurrency and --rounds must be at least 1")
    return args


async def main_async(args: argparse.Namespace) -> int:
    """Start the emulator, measure, print; 0 if the emulator has exactly the mails answered 202."""
    emulator = Server("sendgrid-emulator")
    try:
        ways, answered, accepted = await measure(args, emulator)
    finally:
        emulator.stop()
    print(report(ways, answered, accepted, args))
    return 0 if accepted == answered else 1


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: parse ``argv``, run, return the exit status."""
    return run_cancellable(main_async(parse_args(argv)), "the emulator stopped")


if __name__ == "__main__":
    sys.exit(main())
