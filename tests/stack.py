"""The whole Parley stack as real processes, for end-to-end tests.

``bot_stack`` (a session fixture) runs the gateway (``parley serve``), two workers, the Rasa
server, the action server and a core-system webhook receiver, on free ports, with a fresh SQLite
database and Redis db 14 (``PARLEY_TEST_STACK_REDIS_URL`` overrides), and yields a ``BotStack``.

The model is trained before the first test runs (``pytest_collection_finish``), not inside one:
training takes minutes, which pytest-timeout would count against that test, and the progress is
printed on the terminal. It is cached by digest in the repository's ``var/models/``, so a rerun
does not retrain. Tests that use the stack get a longer timeout (Rasa alone starts in 35-80 s).

``tests/conftest.py`` enables all of it with the line below (in a conftest of a subfolder, the
module named ``conftest`` would shadow the top one, which tests import ``TOKEN`` and ``Drainer``
from)::

    from stack import (  # noqa: F401
        bot_model,
        bot_stack,
        bot_stack_env,
        pytest_collection_finish,
        pytest_collection_modifyitems,
        pytest_xdist_make_scheduler,
    )
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import redis
from twilio_fixtures import STACK_PUBLIC_URL, ThreadedEmulator
from xdist.scheduler import LoadScopeScheduling

from gateway.assistant.processes import ManagedProcess, spawn, start_actions, start_rasa, wait_ready
from gateway.assistant.training import ensure_model
from gateway.cli.embedded_redis import free_port
from gateway.config import Settings, load_settings
from gateway.db.engine import create_engine
from gateway.db.migrate import upgrade
from gateway.errors import ParleyError

ROOT = Path(__file__).resolve().parent.parent
STACK_REDIS_DB = 14  # the tests' own Redis db is 15; the stack's workers must not take their jobs
BOT_TEST_TIMEOUT = 600  # seconds, for a test using the stack: its set-up starts Rasa
MODEL_KEY = pytest.StashKey[Path | ParleyError]()
E2E_SUFFIX = "_e2e.py"


def repo_settings(**overrides: Any) -> Settings:
    """Settings whose model cache and bot venv are the repository's, whatever the cwd."""
    return load_settings(**{"var_dir": ROOT / "var", "bot_venv": ROOT / ".venv-bot"} | overrides)


def _needs_model(item: pytest.Item) -> bool:
    return "bot_model" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of the stack lives in a ``*_e2e.py`` module: pytest-xdist then runs them all
    in one worker (``pytest_xdist_make_scheduler``), so the stack starts once."""
    strays = [
        item.nodeid
        for item in items
        if "bot_stack" in getattr(item, "fixturenames", ()) and not _is_e2e(item.nodeid)
    ]
    if strays:
        raise pytest.UsageError(f"tests of the bot stack must live in *{E2E_SUFFIX}: {strays}")


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> LoadScopeScheduling:
    """One scope for all end-to-end modules (one worker, one stack); one per test elsewhere."""
    return _OneStackScheduling(config, log)


class _OneStackScheduling(LoadScopeScheduling):  # type: ignore[misc]
    def _split_scope(self, nodeid: str) -> str:
        return "e2e" if _is_e2e(nodeid) else nodeid


def _is_e2e(nodeid: str) -> bool:
    return nodeid.split("::", 1)[0].endswith(E2E_SUFFIX)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Train (or find) the model once, before any test, if a selected test needs it."""
    config = session.config
    needing = [item for item in session.items if _needs_model(item)]
    if config.option.collectonly or not needing or MODEL_KEY in config.stash:
        return
    for item in needing:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(BOT_TEST_TIMEOUT))
    capture = config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():

        def show(line: str) -> None:
            print(f"bot: {line}", flush=True)

        print(flush=True)
        try:
            config.stash[MODEL_KEY] = ensure_model(repo_settings(), ROOT, progress=show)
        except ParleyError as exc:
            # Reported by the tests that need the model; the others still run.
            config.stash[MODEL_KEY] = exc


@pytest.fixture(scope="session")
def bot_model(request: pytest.FixtureRequest) -> Path:
    """The trained model of the repository's bot (a missing bot venv fails the test)."""
    found = request.config.stash.get(MODEL_KEY, None)
    if found is None:  # requested dynamically, so the collection hook did not see it
        try:
            found = ensure_model(repo_settings(), ROOT, progress=lambda _line: None)
        except ParleyError as exc:
            found = exc
        request.config.stash[MODEL_KEY] = found
    if isinstance(found, ParleyError):
        pytest.fail(f"the bot model is not available: {found.message}", pytrace=False)
    return found


@pytest.fixture(scope="session")
def bot_stack_env() -> dict[str, str]:
    """Extra PARLEY_* variables for the stack's gateway and workers; override to change them."""
    return {}


@pytest.fixture(scope="session")
def bot_stack(
    bot_model: Path,
    redis_url: str,
    bot_stack_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BotStack]:
    """Gateway, two workers, Rasa, actions and a webhook receiver, for the whole session."""
    stack_redis = os.environ.get("PARLEY_TEST_STACK_REDIS_URL") or _with_db(
        redis_url, STACK_REDIS_DB
    )
    # SMS and calls of the stack go through the real twilio SDK to an emulator.
    twilio = ThreadedEmulator()
    twilio.start()
    stack = BotStack(
        tmp_path_factory.mktemp("stack"),
        bot_model,
        redis_url=stack_redis,
        extra_env=twilio.env() | bot_stack_env,
        twilio=twilio,
    )
    twilio.emulator.route_public(STACK_PUBLIC_URL, stack.gateway_url)
    try:
        try:
            stack.start()
        except ParleyError as exc:
            pytest.fail(f"the bot stack did not start: {exc.message}", pytrace=False)
        yield stack
    finally:
        stack.stop()  # safe when start() failed half-way
        twilio.stop()


def _with_db(url: str, db: int) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{db}"))


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
        model: Path,
        *,
        redis_url: str,
        extra_env: dict[str, str],
        twilio: ThreadedEmulator,
        database_url: str | None = None,
        rasa_url: str | None = None,
    ) -> None:
        """``rasa_url``: an assistant already running there (then no Rasa, no action server)."""
        self.twilio = twilio
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
        self._own_rasa = rasa_url is None
        self._directory = directory
        self._extra_env = extra_env
        self._settings = repo_settings(
            rasa_url=self.rasa_url, actions_port=free_port(), bot_token=self.bot_token
        )
        self._receiver: WebhookReceiver | None = None
        self._processes: list[ManagedProcess] = []
        self._rasa: ManagedProcess | None = None

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

    def start(self) -> None:
        """Start everything and wait until it answers."""
        with redis.Redis.from_url(self.redis_url) as client:
            client.flushdb()
        asyncio.run(_migrate(self.database_url))
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
            **self._extra_env,
        }
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
        if self._own_rasa:
            self._processes.append(
                start_actions(self._settings, gateway_url=self.gateway_url, log_dir=self.log_dir)
            )
            self._rasa = start_rasa(self._settings, self.model, log_dir=self.log_dir)
        wait_ready([*self._processes, *([self._rasa] if self._rasa else [])])

    def stop_rasa(self) -> None:
        """Stop the Rasa server only (the gateway must cope with the bot being away)."""
        if self._rasa is not None:
            self._rasa.stop()
            self._rasa = None

    def start_rasa(self) -> None:
        """Start the Rasa server again on the same URL and wait until its model is loaded."""
        assert self._rasa is None, "Rasa is running"
        self._rasa = start_rasa(self._settings, self.model, log_dir=self.log_dir)
        try:
            wait_ready([self._rasa])
        except ParleyError as exc:
            pytest.fail(f"Rasa did not restart: {exc.message}", pytrace=False)

    def stop(self) -> None:
        """Stop every process and the receiver; safe to call more than once."""
        self.stop_rasa()
        for process in reversed(self._processes):
            process.stop()
        self._processes.clear()
        if self._receiver is not None:
            self._receiver.close()
            self._receiver = None


async def _migrate(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
