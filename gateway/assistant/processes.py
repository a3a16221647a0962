"""The bot's two processes, the Rasa server and the action server, run from the bot venv.

Each child runs in its own process group (so the terminal's Ctrl-C reaches only the launcher,
which then stops the whole group) and writes to a log file (Rasa and TensorFlow are chatty, and
the launcher's console must stay readable); start-up failures quote the end of that log.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gateway.assistant import project_root, rasa_environment, rasa_executable
from gateway.config import Settings
from gateway.errors import BotError

READY_TIMEOUT = 180.0  # Rasa alone needs 35-80 s on a 2-core machine to load TensorFlow and a model
STOP_TIMEOUT = 15.0
POLL_SECONDS = 0.5
TAIL_LINES = 30
TAIL_BYTES = 64 * 1024


@dataclass
class ManagedProcess:
    """A child process in its own process group, its output appended to ``log_path``."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    ready_url: str | None  # answers 200 once the process is ready; None: ready when running
    log_offset: int  # where this run's output starts in the (appended) log

    def running(self) -> bool:
        """True while the process has not exited."""
        return self.popen.poll() is None

    def answers(self) -> bool:
        """True when ``ready_url`` answers 200 (always, when there is none)."""
        if self.ready_url is None:
            return True
        try:
            with urllib.request.urlopen(self.ready_url, timeout=2) as response:  # noqa: S310
                return bool(response.status == 200)
        except (OSError, http.client.HTTPException):
            return False

    def log_tail(self, lines: int = TAIL_LINES) -> str:
        """The last lines this run wrote to its log."""
        with self.log_path.open("rb") as log:
            log.seek(max(self.log_offset, log.seek(0, os.SEEK_END) - TAIL_BYTES))
            text = log.read().decode("utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM to the process group, SIGKILL if it is still there after ``timeout``."""
        if not self.running():
            return
        _signal_group(self.popen, signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal_group(self.popen, signal.SIGKILL)
            self.popen.wait()


def _signal_group(popen: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # exited between the check and the signal
        os.killpg(popen.pid, signum)


def spawn(
    name: str,
    argv: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str],
    log_path: Path,
    ready_url: str | None = None,
) -> ManagedProcess:
    """Start ``argv`` in a new process group, appending its stdout and stderr to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        offset = log_path.stat().st_size
        popen = subprocess.Popen(  # noqa: S603 - callers pass fixed argument lists
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return ManagedProcess(name, popen, log_path, ready_url, offset)


def wait_ready(processes: Sequence[ManagedProcess], timeout: float = READY_TIMEOUT) -> None:
    """Return once every process answers; raise BotError, with its log's tail, if one exits."""
    deadline = time.monotonic() + timeout
    pending = list(processes)
    while True:
        for process in processes:
            if not process.running():
                raise BotError(
                    f"{process.name} exited with code {process.popen.returncode} during start-up; "
                    f"the last lines of {process.log_path}:\n{process.log_tail()}"
                )
        pending = [process for process in pending if not process.answers()]
        if not pending:
            return
        if time.monotonic() > deadline:
            raise BotError(
                f"not ready within {timeout:.0f} s: "
                + "; ".join(
                    f"{p.name} ({p.ready_url}), the last lines of {p.log_path}:\n{p.log_tail()}"
                    for p in pending
                )
            )
        time.sleep(POLL_SECONDS)


def actions_url(settings: Settings) -> str:
    """The action server's webhook, as Rasa's endpoints.yml reads it from PARLEY_ACTIONS_URL."""
    return f"http://127.0.0.1:{settings.actions_port}/webhook"


def start_rasa(settings: Settings, model: Path, *, log_dir: Path) -> ManagedProcess:
    """The Rasa server with its HTTP API on PARLEY_RASA_URL, serving ``model``."""
    root = project_root()
    host, port = settings.rasa_url.host or "127.0.0.1", settings.rasa_url.port or 80
    _refuse_busy_port("Rasa", host, port, "PARLEY_RASA_URL")
    argv = [
        str(rasa_executable(settings, root)),
        "run",
        "--enable-api",
        *("--model", str(model.resolve())),
        *("--endpoints", "bot/endpoints.yml", "--credentials", "bot/credentials.yml"),
        *("--interface", host, "--port", str(port)),
    ]
    return spawn(
        "rasa",
        argv,
        cwd=root,
        env=rasa_environment(PARLEY_ACTIONS_URL=actions_url(settings)),
        log_path=log_dir / "rasa.log",
        # /status answers 200 only once the model is loaded (409 before).
        ready_url=f"{str(settings.rasa_url).rstrip('/')}/status",
    )


def start_actions(settings: Settings, *, gateway_url: str, log_dir: Path) -> ManagedProcess:
    """The action server (rasa_sdk) running ``bot/actions``, calling the gateway's bot API."""
    root = project_root()
    port = settings.actions_port
    _refuse_busy_port("the action server", "127.0.0.1", port, "PARLEY_ACTIONS_PORT")
    argv = [
        str(rasa_executable(settings, root)),
        *("run", "actions", "--actions", "actions", "--port", str(port)),
    ]
    env = rasa_environment(
        PARLEY_GATEWAY_URL=gateway_url,
        PARLEY_BOT_TOKEN=settings.bot_token.get_secret_value(),
        SANIC_HOST="127.0.0.1",  # rasa_sdk listens on 0.0.0.0 unless told otherwise
    )
    return spawn(
        "actions",
        argv,
        cwd=root / "bot",  # `--actions actions` imports the package bot/actions
        env=env,
        log_path=log_dir / "actions.log",
        ready_url=f"http://127.0.0.1:{port}/health",
    )


def _refuse_busy_port(what: str, host: str, port: int, variable: str) -> None:
    """A clear error instead of a bind failure deep in a log (a second `parley run`, say)."""
    try:
        socket.create_connection((host, port), timeout=0.5).close()
    except OSError:
        return
    raise BotError(f"cannot start {what}: something already listens on {host}:{port} ({variable})")


@dataclass
class BotProcesses:
    """The running Rasa server and action server."""

    rasa: ManagedProcess
    actions: ManagedProcess

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Return once Rasa has loaded its model and the action server answers."""
        wait_ready([self.rasa, self.actions], timeout)

    def running(self) -> bool:
        """True while both processes are alive."""
        return self.rasa.running() and self.actions.running()

    def stop(self) -> None:
        """Stop both (SIGTERM, then SIGKILL after a grace period)."""
        self.rasa.stop()
        self.actions.stop()


def start_bot(settings: Settings, model: Path, *, gateway_url: str, log_dir: Path) -> BotProcesses:
    """Start the action server and the Rasa server; ``wait_ready`` tells when they answer."""
    actions = start_actions(settings, gateway_url=gateway_url, log_dir=log_dir)
    try:
        rasa = start_rasa(settings, model, log_dir=log_dir)
    except BaseException:
        actions.stop()
        raise
    return BotProcesses(rasa=rasa, actions=actions)
