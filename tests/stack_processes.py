"""Every Parley process of a deployment, started from the repository's code, for end-to-end
tests and benchmarks: ``BotStack`` (gateway, two workers, the transcription worker, Rasa, the
action server) and the core
system's webhook endpoint it delivers account updates to (``WebhookReceiver``).

The pytest side (the ``bot_stack`` fixture, the model trained before the first test, one xdist
worker for every ``*_e2e.py`` module) is in stack.py, which re-exports the names used elsewhere.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import redis
from sendgrid_emulator import SendGridEmulator
from twilio_fixtures import ThreadedEmulator

from gateway.assistant.processes import ManagedProcess, spawn, start_actions, start_rasa, wait_ready
from gateway.cli.embedded_redis import free_port
from gateway.config import Settings, load_settings
from gateway.db.migrate import upgrade_database
from gateway.errors import ParleyError
from gateway.records.core_webhook import verify

ROOT = Path(__file__).resolve().parent.parent


def repo_settings(**overrides: Any) -> Settings:
    """Settings whose model cache and bot venv are the repository's, whatever the cwd."""
    return load_settings(**{"var_dir": ROOT / "var", "bot_venv": ROOT / ".venv-bot"} | overrides)


@dataclass(frozen=True)
class WebhookRequest:
    """One POST the core system's webhook endpoint received."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body, parsed."""
        return json.loads(self.body)


class WebhookReceiver:
    """A core system's webhook endpoint on 127.0.0.1: records every POST and answers 200."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[WebhookRequest] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver._record(WebhookRequest(self.path, dict(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep the test output clean

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """Where to POST."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/core/updates"

    def _record(self, request: WebhookRequest) -> None:
        with self._lock:
            self._requests.append(request)

    @property
    def received(self) -> list[WebhookRequest]:
        """A snapshot of what arrived so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class BotStack:
    """Every Parley process of a deployment, started from the repository's code."""

    def __init__(
        self,
        directory: Path,
        model: Path | None,
        *,
        redis_url: str,
        extra_env: dict[str, str],
        twilio: ThreadedEmulator,
        sendgrid: SendGridEmulator | None = None,
        database_url: str | None = None,
        rasa_url: str | None = None,
    ) -> None:
        """``model`` None: the assistant already runs at ``rasa_url`` (no Rasa, no action server
        of the stack's own)."""
        assert model is not None or rasa_url is not None
        self.twilio = twilio
        # Running on ``twilio``'s loop: run its coroutines with ``twilio.run``.
        self.sendgrid = sendgrid
        self.var_dir = directory / "var"
        self.log_dir = directory / "logs"
        self.model = model
        self.redis_url = redis_url
        self.database_url = database_url or f"sqlite+aiosqlite:///{directory / 'parley.db'}"
        self.api_token = secrets.token_hex(16)
        self.bot_token = secrets.token_hex(16)
        self.webhook_secret = secrets.token_hex(16)
        self.gateway_url = f"http://127.0.0.1:{free_port()}"
        self.rasa_url = rasa_url or f"http://127.0.0.1:{free_port()}"
        self._directory = directory
        self._extra_env = extra_env
        self._settings = repo_settings(
            rasa_url=self.rasa_url, actions_port=free_port(), bot_token=self.bot_token
        )
        self._receiver: WebhookReceiver | None = None
        self._env: dict[str, str] = {}
        self._processes: list[ManagedProcess] = []
        self._rasa: ManagedProcess | None = None
        self._transcriber: ManagedProcess | None = None

    @property
    def webhook_url(self) -> str:
        """The receiver's URL, which the gateway has as PARLEY_CORE_WEBHOOK_URL."""
        assert self._receiver is not None
        return self._receiver.url

    @property
    def received(self) -> list[WebhookRequest]:
        """The core-system webhooks delivered so far (a thread-safe snapshot)."""
        assert self._receiver is not None
        return self._receiver.received

    async def delivered(self, kind: str, account_ref: str) -> dict[str, Any]:
        """The first update of ``kind`` about ``account_ref`` the core system received, its
        signature checked (the stack is shared: other tests' updates arrive there too)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for request in self.received:
                body = request.json()
                if (body["kind"], body["account_ref"]) == (kind, account_ref):
                    assert verify(
                        self.webhook_secret.encode(),
                        request.headers["X-Parley-Timestamp"],
                        request.headers["X-Parley-Signature"],
                        request.body,
                        now=int(time.time()),
                    )
                    return dict(body)
            await asyncio.sleep(0.1)
        raise AssertionError(f"no {kind} about {account_ref} reached the core system")

    def start(self) -> None:
        """Start everything and wait until it answers."""
        with redis.Redis.from_url(self.redis_url) as client:
            client.flushdb()
        asyncio.run(upgrade_database(self.database_url))
        self._receiver = WebhookReceiver()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")} | {
            "PARLEY_DATABASE_URL": self.database_url,
            "PARLEY_REDIS_URL": self.redis_url,
            "PARLEY_API_TOKENS": self.api_token,
            "PARLEY_BOT_TOKEN": self.bot_token,
            "PARLEY_PORT": self.gateway_url.rsplit(":", 1)[1],
            "PARLEY_RASA_URL": self.rasa_url,
            "PARLEY_VAR_DIR": str(self.var_dir),
            "PARLEY_CORE_WEBHOOK_URL": self._receiver.url,
            "PARLEY_CORE_WEBHOOK_SECRET": self.webhook_secret,
            "PARLEY_CONSOLE_ECHO": "false",
            # A killed transcription worker's job runs again after the job timeout, which is
            # sized to the longest recording accepted: test voicemails are short.
            "PARLEY_RECORDING_MAX_SECONDS": "20",
            **self._extra_env,
        }
        self._env = env
        for name, command in [("gateway", "serve"), ("worker-1", "worker"), ("worker-2", "worker")]:
            self._processes.append(
                spawn(
                    name,
                    [sys.executable, "-m", "gateway.cli.main", command],
                    cwd=self._directory,
                    env=env,
                    log_path=self.log_dir / f"{name}.log",
                    ready_url=f"{self.gateway_url}/readyz" if command == "serve" else None,
                )
            )
        self.start_transcriber()
        if self.model is not None:
            self._processes.append(
                start_actions(self._settings, gateway_url=self.gateway_url, log_dir=self.log_dir)
            )
            self._rasa = start_rasa(self._settings, self.model, log_dir=self.log_dir)
        wait_ready([*self._processes, *([self._rasa] if self._rasa else [])])

    def start_replica(self) -> str:
        """Another gateway replica of the same deployment (same database, Redis, settings) on a
        port of its own; returns its URL. It stops with the stack."""
        url = f"http://127.0.0.1:{free_port()}"
        replica = spawn(
            f"gateway-{len(self._processes)}",
            [sys.executable, "-m", "gateway.cli.main", "serve"],
            cwd=self._directory,
            env=self._env | {"PARLEY_PORT": url.rsplit(":", 1)[1]},
            log_path=self.log_dir / f"gateway-{len(self._processes)}.log",
            ready_url=f"{url}/readyz",
        )
        self._processes.append(replica)
        wait_ready([replica])
        return url

    def start_transcriber(self) -> None:
        """Start the transcription worker (``parley worker --queue transcription``)."""
        assert self._transcriber is None or not self._transcriber.running()
        self._transcriber = spawn(
            "transcriber",
            [sys.executable, "-m", "gateway.cli.main", "worker", "--queue", "transcription"],
            cwd=self._directory,
            env=self._env,
            log_path=self.log_dir / "transcriber.log",
            ready_url=None,
        )

    def kill_transcriber(self) -> None:
        """SIGKILL the transcription worker, as a crash would (no shutdown, no clean-up)."""
        assert self._transcriber is not None
        self._transcriber.popen.kill()
        self._transcriber.popen.wait()

    def stop_rasa(self) -> None:
        """Stop the Rasa server only (the gateway must cope with the bot being away)."""
        if self._rasa is not None:
            self._rasa.stop()
            self._rasa = None

    def start_rasa(self) -> None:
        """Start the Rasa server again on the same URL and wait until its model is loaded."""
        assert self._rasa is None, "Rasa is running"
        assert self.model is not None, "the stack runs no Rasa of its own"
        self._rasa = start_rasa(self._settings, self.model, log_dir=self.log_dir)
        try:
            wait_ready([self._rasa])
        except ParleyError as exc:
            pytest.fail(f"Rasa did not restart: {exc.message}", pytrace=False)

    def stop(self) -> None:
        """Stop every process and the receiver; safe to call more than once."""
        self.stop_rasa()
        if self._transcriber is not None:
            self._transcriber.stop()
            self._transcriber = None
        for process in reversed(self._processes):
            process.stop()
        self._processes.clear()
        if self._receiver is not None:
            self._receiver.close()
            self._receiver = None
