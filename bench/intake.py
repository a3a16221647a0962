"""Outreach intake and the policy dry run over HTTP, against a bare aiohttp handler.

    .venv/bin/python -m bench.intake    # 10,000 singles, 100,000 batch items, 10,000 evaluations
    .venv/bin/python -m bench.intake --quick           # a smoke run of a few minutes
    .venv/bin/python -m bench.intake --profile-dir /tmp/prof --py-spy /tmp/pyspy/bin/py-spy

For each database (SQLite file, throwaway PostgreSQL database) the gateway runs in its own
process (``python -m bench._server gateway``, built by ``init_app`` like ``parley serve``), the
baseline in another (``python -m bench._server baseline``: same routes, ``await request.json()``,
a small JSON answer), and this process is the load generator: one aiohttp ClientSession with a
TCPConnector(limit=concurrency). Before the phases every account gets ~40 contact events over
the last 30 days (POST /v1/accounts/{ref}/contact-events). Bodies are built before the clock
starts. Each phase (single, batch, evaluate) runs the baseline first and then the gateway with
the same client and the same kind of bodies (fresh keys).

Printed: requests/s, items/s, p50/p99 latency, the gateway/baseline ratio, CPU seconds used per
process group during each phase, and a sanity check (outreach rows == accepted requests, a
timeline row and an audit row per outreach, queued jobs == non-blocked outreach, every imported
event stored, the evaluate phase changed no row counts and queued no job, audit chains verify).
Progress goes to stderr. Nothing here asserts a timing; this is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from redis.asyncio import Redis
from sqlalchemy import func, select

from bench._server import TOKEN
from bench.policy_engine import history_rows
from bench.profile import summarise

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/14"
ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Where debtors live, roughly by US population, with a postal code and a phone area code of
# that zone: quiet hours differ per zone, so depending on the wall clock some requests are
# queued and others deferred. No declared zone: the postal code and phone still locate them.
ZONES: list[tuple[str | None, str, str, int]] = [
    ("America/New_York", "10001", "212", 40),
    ("America/Chicago", "60601", "312", 25),
    ("America/Denver", "80202", "303", 6),
    ("America/Phoenix", "85001", "602", 3),
    ("America/Los_Angeles", "90012", "213", 20),
    ("America/Anchorage", "99501", "907", 2),
    ("Pacific/Honolulu", "96813", "808", 2),
    (None, "60601", "312", 2),
]
# About 8% kept a phone number from another zone: their signals disagree, and a contact must
# then be convenient in every indicated zone.
MOVED = 0.08
EVALUATE_CHANNELS = ("sms", "email", "voice")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- workload


def account_document(i: int, rng: random.Random) -> dict[str, Any]:
    """A PUT /v1/accounts body (shape of tests/helpers.account_body) with varied facts."""
    zone, postal, area, _ = rng.choices(ZONES, weights=[w for *_, w in ZONES])[0]
    if rng.random() < MOVED:
        area = rng.choice([a for _, _, a, _ in ZONES])
    debtor: dict[str, Any] = {"name": f"Debtor {i:05d} Example", "postal_code": postal}
    if zone:
        debtor["timezone"] = zone
    roll = rng.random()
    flags = {
        "disputed": 0.00 <= roll < 0.02,
        "do_not_contact": 0.02 <= roll < 0.03,
        "cease_communication": 0.03 <= roll < 0.04,
        "attorney_represented": False,
    }
    document: dict[str, Any] = {
        "creditor": rng.choice(["Acme Bank", "Northwind Card Services", "Contoso Auto Finance"]),
        "collector_type": "third_party",
        "balance": {"amount": f"{rng.randint(50, 9000)}.{rng.randint(0, 99):02d}"},
        "debtor": debtor,
        "contacts": [
            # about 3% never gave SMS consent: those requests are blocked (consent_missing)
            {
                "channel": "sms",
                "address": f"+1{area}{200 + i % 700:03d}{i % 10_000:04d}",
                "consent": rng.random() >= 0.03,
            },
            {"channel": "email", "address": f"debtor{i}@example.com", "consent": True},
        ],
        "flags": flags,
    }
    # The same number for calls, with the same consent (no extra draw from rng, so the rest of
    # the portfolio is what it was without it): the voice rules then have a number to judge.
    sms = document["contacts"][0]
    document["contacts"].append(
        {"channel": "voice", "address": sms["address"], "consent": sms["consent"]}
    )
    return document


def history_document(ref: str, i: int, rng: random.Random, now: datetime) -> dict[str, Any]:
    """A POST /v1/accounts/{ref}/contact-events body: 36-44 events over the last 30 days.

    Same generator as bench.policy_engine: SMS, email and voice both ways, voicemails, no
    answers, conversations and delivery outcomes; one account in eight mostly gets calls.
    """
    rows = history_rows(rng, now, voice_heavy=i % 8 == 3)
    return {
        "events": [
            r | {"at": r["at"].isoformat(), "external_id": f"{ref}-{k}"} for k, r in enumerate(rows)
        ]
    }


def outreach_item(ref: str) -> dict[str, Any]:
    return {
        "account_ref": ref,
        "channel": "sms",
        "template": "payment_reminder",
        "purpose": "collection",
    }


@dataclass(frozen=True, slots=True)
class Call:
    """One prepared HTTP request: path, extra headers, encoded body, and how many items."""

    path: str
    headers: dict[str, str]
    body: bytes
    items: int


def single_calls(prefix: str, refs: Sequence[str], n: int, rng: random.Random) -> list[Call]:
    return [
        Call(
            "/v1/outreach",
            {"Idempotency-Key": f"{prefix}-{i}"},
            json.dumps(outreach_item(rng.choice(refs))).encode(),
            1,
        )
        for i in range(n)
    ]


def evaluate_calls(refs: Sequence[str], n: int, rng: random.Random) -> list[Call]:
    return [
        Call(
            "/v1/policy/evaluate",
            {},
            json.dumps(
                {
                    "account_ref": rng.choice(refs),
                    "channel": rng.choice(EVALUATE_CHANNELS),
                    "purpose": "collection",
                }
            ).encode(),
            1,
        )
        for _ in range(n)
    ]


def batch_calls(
    prefix: str, refs: Sequence[str], items: int, size: int, rng: random.Random
) -> list[Call]:
    calls = []
    for start in range(0, items, size):
        chunk = [
            {"idempotency_key": f"{prefix}-{j}", **outreach_item(rng.choice(refs))}
            for j in range(start, min(start + size, items))
        ]
        calls.append(
            Call("/v1/outreach/batch", {}, json.dumps({"items": chunk}).encode(), len(chunk))
        )
    return calls


# ---------------------------------------------------------------- measuring


@dataclass(slots=True)
class PhaseResult:
    target: str
    phase: str
    requests: int
    items: int
    seconds: float
    latencies: list[float]
    errors: int
    outcomes: Counter[str] = field(default_factory=Counter)
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def ips(self) -> float:
        return self.items / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


Checker = Callable[[int, bytes, Counter[str]], bool]


def check_baseline(status: int, _body: bytes, outcomes: Counter[str]) -> bool:
    outcomes[str(status)] += 1
    return status == 202


def check_baseline_200(status: int, _body: bytes, outcomes: Counter[str]) -> bool:
    outcomes[str(status)] += 1
    return status == 200


def check_evaluate(status: int, body: bytes, outcomes: Counter[str]) -> bool:
    if status != 200:
        outcomes[f"http {status}"] += 1
        return False
    outcomes[json.loads(body)["outcome"]] += 1
    return True


def check_import(status: int, body: bytes, outcomes: Counter[str]) -> bool:
    if status != 201:
        outcomes[f"http {status}"] += 1
        return False
    document = json.loads(body)
    outcomes["received"] += document["received"]
    outcomes["imported"] += document["imported"]
    return bool(document["imported"] == document["received"])


def check_single(status: int, body: bytes, outcomes: Counter[str]) -> bool:
    if status != 202:
        outcomes[f"http {status}"] += 1
        return False
    outcomes[json.loads(body)["status"]] += 1
    return True


def check_batch(status: int, body: bytes, outcomes: Counter[str]) -> bool:
    if status != 200:
        outcomes[f"http {status}"] += 1
        return False
    results = json.loads(body)["results"]
    outcomes.update(r["status"] for r in results)
    return all(r["status"] != "rejected" for r in results)


class Cpu:
    """CPU seconds (user+system, all threads) of process groups, read from /proc.

    A process's reaped children count too (cutime+cstime): PostgreSQL backends come and go
    (SQLAlchemy closes a connection returned to a full pool), and an exited backend's CPU
    moves to the postmaster's children times instead of vanishing from the sum.
    """

    def __init__(self, groups: dict[str, Callable[[], list[int]]]) -> None:
        self.groups = groups
        self.start: dict[str, float] = {}

    @staticmethod
    def seconds(pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return 0.0
        # utime stime cutime cstime (fields 14-17 of proc(5); fields[0] is field 3)
        return sum(int(t) for t in fields[11:15]) / CLK_TCK

    def _sample(self) -> dict[str, float]:
        out = {name: sum(self.seconds(p) for p in pids()) for name, pids in self.groups.items()}
        own = resource.getrusage(resource.RUSAGE_SELF)
        out["client"] = own.ru_utime + own.ru_stime
        out["machine"] = machine_busy_seconds()
        return out

    def begin(self) -> None:
        self.start = self._sample()

    def end(self) -> dict[str, float]:
        now = self._sample()
        used = {k: now[k] - self.start.get(k, 0.0) for k in now}
        used["other"] = max(0.0, used.pop("machine") - sum(used.values()))
        return used


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all cores; idle and iowait excluded)."""
    # user nice system idle iowait irq softirq steal
    ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLK_TCK


async def quiet(max_wait: float, threshold: float = 0.3) -> float:
    """Wait (up to max_wait s) until other work uses < threshold cores; return that load."""
    deadline = time.monotonic() + max_wait
    while True:
        before = machine_busy_seconds()
        await asyncio.sleep(1.0)
        busy = machine_busy_seconds() - before
        if busy < threshold or time.monotonic() >= deadline:
            return busy
        log(f"  waiting for the machine to quieten: {busy:.2f} cores busy elsewhere")


def pids_of(*pids: int) -> Callable[[], list[int]]:
    return lambda: list(pids)


def pids_named(*names: str) -> Callable[[], list[int]]:
    def find() -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if (entry / "comm").read_text().strip() in names:
                        found.append(int(entry.name))
        return found

    return find


async def run_calls(
    session: aiohttp.ClientSession,
    base_url: str,
    calls: Sequence[Call],
    concurrency: int,
    check: Checker,
    label: str,
) -> tuple[float, list[float], int, Counter[str]]:
    """Send every call with ``concurrency`` workers; progress on stderr every 2 s."""
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    errors = 0
    done_items = 0
    shown_errors = 0
    queue = iter(calls)
    total_items = sum(c.items for c in calls)

    async def worker() -> None:
        nonlocal errors, done_items, shown_errors
        for call in queue:
            started = time.perf_counter()
            async with session.post(
                base_url + call.path, data=call.body, headers=call.headers
            ) as r:
                body = await r.read()
                status = r.status
            latencies.append(time.perf_counter() - started)
            done_items += call.items
            if not check(status, body, outcomes):
                errors += 1
                if shown_errors < 3:
                    shown_errors += 1
                    log(f"  ! {label}: HTTP {status}: {body[:300]!r}")

    async def progress() -> None:
        while True:
            await asyncio.sleep(2)
            elapsed = time.perf_counter() - started
            log(
                f"  {label}: {done_items:,}/{total_items:,} items, "
                f"{done_items / elapsed:,.0f} items/s, {elapsed:.0f} s"
            )

    started = time.perf_counter()
    reporter = asyncio.create_task(progress())
    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        reporter.cancel()
    return time.perf_counter() - started, latencies, errors, outcomes


# ---------------------------------------------------------------- processes and databases


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    # Linux prctl(PR_SET_PDEATHSIG, SIGINT): a killed load generator leaves no server behind.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGINT)


class Server:
    """A ``python -m bench._server`` child process on its own port."""

    def __init__(self, kind: str, *options: str) -> None:
        self.kind = kind
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bench._server", kind, "--port", str(self.port), *options],
            cwd=ROOT,
            env=env,
            preexec_fn=_die_with_parent,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    async def ready(self, session: aiohttp.ClientSession, path: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the {self.kind} server exited with {self.process.returncode}")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(self.url + path) as r:
                    if r.status in {200, 404, 405}:
                        return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"the {self.kind} server did not start within 60 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Profiler:
    """py-spy attached to the gateway for one phase (raw collapsed stacks, idle included)."""

    def __init__(self, py_spy: str | None, directory: Path | None) -> None:
        self.py_spy = py_spy
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None
        self.path: Path | None = None

    def start(self, pid: int, name: str) -> None:
        if not (self.py_spy and self.directory):
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / f"{name}.txt"
        self.process = subprocess.Popen(  # noqa: S603 - the py-spy binary the user named
            [
                self.py_spy,
                "record",
                "--pid",
                str(pid),
                "--rate",
                "200",
                "--format",
                "raw",
                "--idle",
                "--threads",
                "--output",
                str(self.path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)  # let it attach before the clock starts

    def stop(self) -> str | None:
        if self.process is None or self.path is None:
            return None
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=60)
        self.process = None
        return summarise(self.path.read_text())


@contextlib.asynccontextmanager
async def database(kind: str) -> AsyncIterator[str]:
    """A fresh, migrated database: a SQLite file in a temp dir, or a throwaway PG database."""
    from gateway.db.engine import create_engine
    from gateway.db.migrate import upgrade

    async def migrate(url: str) -> None:
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()

    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/parley.db"
            await migrate(url)
            yield url
        return
    name = f"parley_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
        await migrate(url)
        yield url
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def sqlite_files(url: str) -> str:
    """Sizes of a SQLite database file and its WAL (a WAL that keeps growing slows reads)."""
    if not url.startswith("sqlite"):
        return ""
    path = Path(url.split(":///", 1)[1])
    sizes = []
    for name in (path, path.with_name(path.name + "-wal")):
        with contextlib.suppress(OSError):
            sizes.append(f"{name.name} {name.stat().st_size / 1e6:.1f} MB")
    return ", ".join(sizes)


async def count_rows(url: str) -> dict[str, int]:
    """Rows of the tables that intake or an import writes."""
    from gateway.db.engine import create_engine
    from gateway.db.tables import audit_log, contact_events, outreach, timeline

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return {
                name: (await conn.execute(select(func.count()).select_from(table))).scalar_one()
                for name, table in (
                    ("outreach", outreach),
                    ("timeline", timeline),
                    ("audit_log", audit_log),
                    ("contact_events", contact_events),
                )
            }
    finally:
        await engine.dispose()


async def snapshot_counts(url: str, redis: Redis) -> dict[str, int]:
    """Row counts and queued jobs: what a dry run must leave as it found it."""
    from arq.constants import default_queue_name

    return await count_rows(url) | {"jobs": await redis.zcard(default_queue_name)}


async def sanity(
    url: str,
    redis: Redis,
    expected: int,
    imported: int,
    evaluate_counts: tuple[dict[str, int], dict[str, int]] | None,
    verify_audit: bool,
) -> dict[str, Any]:
    """Row counts after the run; every accepted request must be exactly one outreach."""
    from arq.constants import default_queue_name

    from gateway import audit
    from gateway.db.engine import create_engine
    from gateway.db.tables import outreach

    rows = await count_rows(url)
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            statuses = select(outreach.c.status, func.count()).group_by(outreach.c.status)
            by_status = dict((await conn.execute(statuses)).all())
            report = await audit.verify(conn) if verify_audit else None
    finally:
        await engine.dispose()
    files = sqlite_files(url)
    queued = await redis.zcard(default_queue_name)
    not_blocked = sum(n for s, n in by_status.items() if s != "blocked")
    checks = {
        "outreach rows == requests sent": rows["outreach"] == expected,
        "timeline rows == outreach rows": rows["timeline"] == rows["outreach"],
        "audit rows >= outreach rows": rows["audit_log"] >= rows["outreach"],
        "queued jobs == non-blocked outreach": queued == not_blocked,
        "contact_events rows == events imported": rows["contact_events"] == imported,
    }
    if evaluate_counts is not None:
        before, after = evaluate_counts
        checks["evaluate phase changed no rows and queued no jobs"] = before == after
    if report is not None:
        checks["audit chains verify"] = report.ok
    return {
        "expected": expected,
        "rows": rows,
        "by_status": by_status,
        "jobs": queued,
        "imported_events": imported,
        "evaluate_counts": evaluate_counts,
        "files": files,
        "checks": checks,
    }


# ---------------------------------------------------------------- the run


@dataclass(slots=True)
class DatabaseRun:
    db: str
    results: list[PhaseResult]
    sanity: dict[str, Any]
    profiles: dict[str, str]


async def run_database(
    db: str,
    args: argparse.Namespace,
    session: aiohttp.ClientSession,
    baseline: Server,
    redis: Redis,
) -> DatabaseRun:
    rng = random.Random(args.seed)
    run_id = uuid.uuid4().hex[:8]
    refs = [f"BENCH-{i:05d}" for i in range(args.accounts)]
    await redis.flushdb()
    async with database(db) as url:
        with tempfile.TemporaryDirectory(prefix="parley-bench-var-") as var_dir:
            gateway = Server(
                "gateway", "--database-url", url, "--redis-url", REDIS_URL, "--var-dir", var_dir
            )
            try:
                await gateway.ready(session, "/healthz")
                log(f"[{db}] gateway pid {gateway.pid} on {gateway.url}; registering accounts")
                bodies = [json.dumps(account_document(i, rng)).encode() for i in range(len(refs))]
                accounts = [
                    Call(f"/v1/accounts/{r}", {}, b, 1) for r, b in zip(refs, bodies, strict=True)
                ]
                await put_accounts(session, gateway.url, accounts, args.concurrency)
                imported = await import_history(db, args, session, gateway, refs)
                return await measure(
                    db, args, session, baseline, gateway, redis, url, refs, run_id, imported
                )
            finally:
                gateway.stop()
                await redis.flushdb()


async def put_accounts(
    session: aiohttp.ClientSession, base_url: str, calls: Sequence[Call], concurrency: int
) -> None:
    queue = iter(calls)

    async def worker() -> None:
        for call in queue:
            async with session.put(base_url + call.path, data=call.body) as r:
                if r.status not in {200, 201}:
                    raise RuntimeError(f"PUT {call.path}: {r.status} {await r.text()}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def import_history(
    db: str,
    args: argparse.Namespace,
    session: aiohttp.ClientSession,
    gateway: Server,
    refs: Sequence[str],
) -> int:
    """Give every account ~30 days of contact history (one import request per account)."""
    if not args.history:
        return 0
    rng = random.Random(args.seed + 2)
    now = datetime.now(UTC)
    calls = []
    for i, ref in enumerate(refs):
        document = history_document(ref, i, rng, now)
        calls.append(
            Call(
                f"/v1/accounts/{ref}/contact-events",
                {},
                json.dumps(document).encode(),
                len(document["events"]),
            )
        )
    label = f"[{db}] importing contact history"
    log(f"{label}: {sum(c.items for c in calls):,} events for {len(refs):,} accounts")
    seconds, _, errors, outcomes = await run_calls(
        session, gateway.url, calls, args.import_concurrency, check_import, label
    )
    if errors:
        raise RuntimeError(f"{label}: {errors} imports failed: {dict(outcomes)}")
    log(f"{label}: {outcomes['imported']:,} events in {seconds:.1f} s")
    return outcomes["imported"]


async def measure(
    db: str,
    args: argparse.Namespace,
    session: aiohttp.ClientSession,
    baseline: Server,
    gateway: Server,
    redis: Redis,
    url: str,
    refs: list[str],
    run_id: str,
    imported: int,
) -> DatabaseRun:
    rng = random.Random(args.seed + 1)
    postgres, redis_server = pids_named("postgres"), pids_named("redis-server")
    profiler = Profiler(args.py_spy, args.profile_dir)
    sent = 0

    warm_singles = min(500, max(args.singles // 10, 50))
    warm_batches = 2 if args.batch_items else 0
    warm_evaluations = min(500, max(args.evaluations // 10, 50)) if args.evaluations else 0
    log(
        f"[{db}] warm-up: {warm_singles} singles, {warm_batches} batches, "
        f"{warm_evaluations} evaluations"
    )
    for target in (baseline, gateway):
        single_check = check_baseline if target is baseline else check_single
        batch_check = check_baseline if target is baseline else check_batch
        evaluate_check = check_baseline_200 if target is baseline else check_evaluate
        calls = single_calls(f"warm-{run_id}-{target.kind}", refs, warm_singles, rng)
        await run_calls(session, target.url, calls, args.concurrency, single_check, "warm-up")
        calls = evaluate_calls(refs, warm_evaluations, rng)
        await run_calls(session, target.url, calls, args.concurrency, evaluate_check, "warm-up")
        calls = batch_calls(
            f"warmb-{run_id}-{target.kind}",
            refs,
            warm_batches * args.batch_size,
            args.batch_size,
            rng,
        )
        await run_calls(session, target.url, calls, args.batch_concurrency, batch_check, "warm-up")
    sent += warm_singles + warm_batches * args.batch_size

    results: list[PhaseResult] = []
    profiles: dict[str, str] = {}
    evaluate_counts: tuple[dict[str, int], dict[str, int]] | None = None
    phases = [
        ("single", args.singles, args.concurrency),
        ("batch", args.batch_items, args.batch_concurrency),
        ("evaluate", args.evaluations, args.concurrency),
    ]
    for phase, size, concurrency in phases:
        if not size:
            continue
        for target in (baseline, gateway):
            prefix = f"{phase}-{run_id}-{target.kind}"
            if phase == "single":
                calls = single_calls(prefix, refs, size, rng)
                check = check_baseline if target is baseline else check_single
            elif phase == "batch":
                calls = batch_calls(prefix, refs, size, args.batch_size, rng)
                check = check_baseline if target is baseline else check_batch
            else:
                calls = evaluate_calls(refs, size, rng)
                check = check_baseline_200 if target is baseline else check_evaluate
            counts_before = None
            if target is gateway and phase == "evaluate":
                counts_before = await snapshot_counts(url, redis)
            label = f"[{db}] {target.kind} {phase}"
            log(f"{label}: {len(calls):,} requests, {size:,} items, concurrency {concurrency}")
            background = await quiet(args.quiet_wait)
            if target is gateway:
                profiler.start(gateway.pid, f"{db}-{phase}")
            cpu = Cpu({"server": pids_of(target.pid), "postgres": postgres, "redis": redis_server})
            cpu.begin()
            seconds, latencies, errors, outcomes = await run_calls(
                session, target.url, calls, concurrency, check, label
            )
            rounds = 1
            # The baseline is fast: repeat its requests (the bare handler keeps nothing) until
            # it has run long enough to give a stable rate.
            while target is baseline and seconds < args.baseline_seconds:
                more = await run_calls(session, target.url, calls, concurrency, check, label)
                seconds += more[0]
                latencies += more[1]
                errors += more[2]
                outcomes += more[3]
                rounds += 1
            used = cpu.end()
            used["before"] = background
            if counts_before is not None:
                evaluate_counts = (counts_before, await snapshot_counts(url, redis))
            if target is gateway and (files := sqlite_files(url)):
                log(f"{label}: SQLite files now {files}")
            if target is gateway:
                if summary := profiler.stop():
                    profiles[phase] = summary
                if phase != "evaluate":  # a dry run creates no outreach
                    sent += size
            result = PhaseResult(
                target.kind,
                phase,
                len(calls) * rounds,
                size * rounds,
                seconds,
                latencies,
                errors,
                outcomes,
                used,
            )
            results.append(result)
            log(
                f"{label}: {result.rps:,.1f} req/s, {result.ips:,.1f} items/s, "
                f"p50 {result.percentile(0.5):.1f} ms, p99 {result.percentile(0.99):.1f} ms"
            )
    log(f"[{db}] counting rows{' and verifying audit chains' if args.verify_audit else ''}")
    checked = await sanity(url, redis, sent, imported, evaluate_counts, args.verify_audit)
    return DatabaseRun(db, results, checked, profiles)


# ---------------------------------------------------------------- reporting


def report(runs: list[DatabaseRun], args: argparse.Namespace, started: datetime) -> str:
    history = ", each with ~40 contact events over 30 days" if args.history else ""
    lines = [
        f"# Parley intake benchmark — {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}, aiohttp {aiohttp.__version__}",
        f"singles: {args.singles:,} at concurrency {args.concurrency}; batch: {args.batch_items:,} "
        f"items in requests of {args.batch_size:,} at concurrency {args.batch_concurrency}; "
        f"evaluate: {args.evaluations:,} POST /v1/policy/evaluate at concurrency "
        f"{args.concurrency}; {args.accounts:,} accounts{history}; the baseline repeats its "
        f"requests until it has run {args.baseline_seconds:g} s; load average at the end "
        f"{os.getloadavg()[0]:.2f} (other work on the machine shows up here)",
        "",
        "| database | phase | target | requests/s | items/s | p50 ms | p99 ms "
        "| ratio gateway/baseline | errors |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        base = {r.phase: r for r in run.results if r.target == "baseline"}
        for r in run.results:
            ratio = f"{r.ips / base[r.phase].ips:.3f}" if r.target == "gateway" else "1"
            lines.append(
                f"| {run.db} | {r.phase} | {r.target} | {r.rps:,.1f} | {r.ips:,.0f} "
                f"| {r.percentile(0.5):.1f} | {r.percentile(0.99):.1f} | {ratio} | {r.errors} |"
            )
    lines += [
        "",
        f"CPU seconds used during each phase ({os.cpu_count()} cores: {os.cpu_count()} x wall "
        "seconds available; 'other' is the rest of the machine, i.e. noise; 'idle check' is the "
        "load elsewhere, in cores, just before the phase started):",
        "",
        "| database | phase | target | wall s | server process | server ms/item | postgres "
        "| redis | client | other | idle check |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        for r in run.results:
            c = r.cpu
            lines.append(
                f"| {run.db} | {r.phase} | {r.target} | {r.seconds:.1f} | {c['server']:.1f} "
                f"| {c['server'] * 1000 / r.items:.2f} "
                f"| {c['postgres']:.1f} | {c['redis']:.1f} | {c['client']:.1f} | {c['other']:.1f} "
                f"| {c['before']:.2f} |"
            )
    lines.append("")
    for run in runs:
        s = run.sanity
        answers = "; ".join(
            f"{r.phase} {dict(r.outcomes)}" for r in run.results if r.target == "gateway"
        )
        verdict = "ok" if all(s["checks"].values()) else "MISMATCH"
        lines.append(
            f"{run.db}: sanity {verdict} — {s['expected']:,} outreach requests sent (warm-up "
            f"included), {s['imported_events']:,} contact events imported, rows {s['rows']}, "
            f"outreach by status {s['by_status']}, {s['jobs']:,} jobs queued; "
            f"measured answers: {answers}"
        )
        if s["evaluate_counts"] is not None:
            before, after = s["evaluate_counts"]
            lines.append(f"  rows and jobs before the evaluate phase {before}, after {after}")
        for name, ok in s["checks"].items():
            if not ok:
                lines.append(f"  FAILED: {name}")
    for run in runs:
        for phase, summary in run.profiles.items():
            lines += ["", f"## py-spy: gateway process, {run.db}, {phase}", "", summary]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.intake",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--db",
        action="append",
        choices=["sqlite", "postgres"],
        help="database to run against (repeatable; default both)",
    )
    parser.add_argument("--singles", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--batch-items", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1_000)
    parser.add_argument("--batch-concurrency", type=int, default=2)
    parser.add_argument(
        "--evaluations",
        type=int,
        default=10_000,
        help="POST /v1/policy/evaluate requests (at --concurrency; default 10,000)",
    )
    parser.add_argument(
        "--no-history",
        dest="history",
        action="store_false",
        help="do not import 30 days of contact history per account before the phases",
    )
    parser.add_argument(
        "--import-concurrency",
        type=int,
        default=8,
        help="contact-history import requests in flight (default 8)",
    )
    parser.add_argument("--accounts", type=int, default=1_000)
    parser.add_argument(
        "--baseline-seconds",
        type=float,
        default=5.0,
        help="repeat the baseline's requests until it has run this long (default 5)",
    )
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1,000 singles, 10,000 batch items, 1,000 evaluations, 200 accounts",
    )
    parser.add_argument("--no-verify-audit", dest="verify_audit", action="store_false")
    parser.add_argument(
        "--py-spy",
        default=shutil.which("py-spy"),
        help="py-spy binary; with --profile-dir, profiles each gateway phase",
    )
    parser.add_argument("--profile-dir", type=Path)
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120,
        help="before each phase, wait up to this many seconds for other work on the machine "
        "to drop below 0.3 cores (0: do not wait)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    if args.quick:
        args.singles, args.batch_items, args.evaluations, args.accounts = 1_000, 10_000, 1_000, 200
    args.db = args.db or ["sqlite", "postgres"]
    return args


def to_json(runs: list[DatabaseRun]) -> list[dict[str, Any]]:
    return [
        {
            "db": run.db,
            "phases": [
                {
                    "target": r.target,
                    "phase": r.phase,
                    "requests": r.requests,
                    "items": r.items,
                    "seconds": r.seconds,
                    "rps": r.rps,
                    "ips": r.ips,
                    "p50_ms": r.percentile(0.5),
                    "p99_ms": r.percentile(0.99),
                    "errors": r.errors,
                    "outcomes": dict(r.outcomes),
                    "cpu": r.cpu,
                }
                for r in run.results
            ],
            "sanity": run.sanity,
        }
        for run in runs
    ]


async def main_async(args: argparse.Namespace) -> int:
    started = datetime.now(UTC)
    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    connector = aiohttp.TCPConnector(limit=max(args.concurrency, args.batch_concurrency))
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    timeout = aiohttp.ClientTimeout(total=600)
    baseline = Server("baseline")
    runs: list[DatabaseRun] = []
    try:
        async with aiohttp.ClientSession(
            connector=connector, headers=headers, timeout=timeout
        ) as session:
            await baseline.ready(session, "/v1/outreach")
            for db in args.db:
                runs.append(await run_database(db, args, session, baseline, redis))
    finally:
        baseline.stop()
        await redis.flushdb()
        await redis.aclose()
    text = report(runs, args, started)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(to_json(runs), indent=2, default=str))
    return 0 if all(all(r.sanity["checks"].values()) for r in runs) else 1


async def cancellable(args: argparse.Namespace) -> int:
    """Run the benchmark; SIGTERM cancels it so servers, databases and Redis get cleaned up."""
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    return await main_async(args)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return asyncio.run(cancellable(parse_args(argv)))
    except asyncio.CancelledError:
        log("cancelled; servers stopped, throwaway database dropped, Redis db flushed")
        return 143


if __name__ == "__main__":
    sys.exit(main())
