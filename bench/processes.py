"""The benchmarks' servers as child processes (``python -m bench._server``) on free local ports."""

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
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_SECONDS = 60


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    # Linux prctl(PR_SET_PDEATHSIG, SIGINT): a killed load generator leaves no server behind.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGINT)


class Server:
    """A ``python -m bench._server KIND`` child process on its own port of 127.0.0.1."""

    def __init__(self, kind: str, *options: str) -> None:
        self.kind = kind
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # The server takes its settings from its options only, never from our environment.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bench._server", kind, "--port", str(self.port), *options],
            cwd=ROOT,
            env=env,
            preexec_fn=_die_with_parent,
        )

    @property
    def pid(self) -> int:
        """The server's process id (for CPU accounting and py-spy)."""
        return self.process.pid

    async def ready(self, session: aiohttp.ClientSession, path: str) -> None:
        """Wait until GET ``path`` answers; RuntimeError if the server exits or never does."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the {self.kind} server exited with {self.process.returncode}")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(self.url + path) as r:
                    # Any answer from the app means it listens; POST-only routes say 405.
                    if r.status in {200, 404, 405}:
                        return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"the {self.kind} server did not start within {START_TIMEOUT_SECONDS} s")

    def stop(self) -> None:
        """Stop the server as Ctrl-C would (aiohttp's clean shutdown), killing it if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
