"""The benchmarks' child processes, which die with the benchmark, on free local ports.

``Server`` is a ``python -m bench._server`` child; ``bench.agent_events`` starts ``parley`` and
``redis-server`` children, each logging to a file of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Collection, Sequence
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 30


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment_without_parley() -> dict[str, str]:
    """Our environment without any ``PARLEY_*`` setting: a child gets only the settings it is
    given, never those of the shell the benchmark runs in."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}


def _die_with_parent() -> None:
    # Linux prctl(PR_SET_PDEATHSIG, SIGINT): a killed load generator leaves no server behind.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGINT)


class Child:
    """A process started in the repository's root, so the gateway is imported from this tree
    ahead of the editable install. With ``log``, its stdout and stderr go to that file and it
    reads nothing; else it shares ours."""

    def __init__(
        self, name: str, argv: Sequence[str], env: dict[str, str], log: Path | None = None
    ) -> None:
        self.name = name
        with contextlib.ExitStack() as files:
            output = None if log is None else files.enter_context(log.open("wb"))
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter, or redis-server
                list(argv),
                cwd=ROOT,
                env=env,
                stdin=None if output is None else subprocess.DEVNULL,
                stdout=output,
                stderr=None if output is None else subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )

    @property
    def pid(self) -> int:
        """The process id (for CPU accounting and py-spy)."""
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
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def wait_until_answering(
    session: aiohttp.ClientSession, url: str, statuses: Collection[int], child: Child
) -> None:
    """Wait until GET ``url`` answers one of ``statuses``; RuntimeError if ``child`` exits
    meanwhile or never answers."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        child.check()
        with contextlib.suppress(aiohttp.ClientError):
            async with session.get(url) as r:
                if r.status in statuses:
                    return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{child.name} did not start within {START_TIMEOUT_SECONDS} s")


class Server(Child):
    """A ``python -m bench._server KIND`` child process on its own port of 127.0.0.1."""

    def __init__(self, kind: str, *options: str) -> None:
        self.kind = kind
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # The server takes its settings from its options only.
        argv = [sys.executable, "-m", "bench._server", kind, "--port", str(self.port), *options]
        super().__init__(f"the {kind} server", argv, environment_without_parley())

    async def ready(self, session: aiohttp.ClientSession, path: str) -> None:
        """Wait until GET ``path`` answers; RuntimeError if the server exits or never does."""
        # Any answer from the app means it listens; POST-only routes say 405.
        await wait_until_answering(session, self.url + path, {200, 404, 405}, self)
