"""The whole Parley stack as real processes, for end-to-end tests: the pytest side.

``bot_stack`` (a session fixture) runs the gateway (``parley serve``), two workers, the Rasa
server, the action server and a core-system webhook receiver, on free ports, with a fresh SQLite
database and Redis db 14 (``PARLEY_TEST_STACK_REDIS_URL`` overrides), and yields a ``BotStack``.
The processes themselves are in stack_processes.py; ``ROOT``, ``repo_settings``, ``BotStack``
and ``WebhookReceiver`` are re-exported here, where the tests and bench.bot_turns import them.

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
        http,
        pytest_collection_finish,
        pytest_collection_modifyitems,
        pytest_xdist_make_scheduler,
    )
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sendgrid_emulator import SendGridEmulator
from sendgrid_fixtures import sendgrid_env
from stack_processes import ROOT, BotStack, WebhookReceiver, repo_settings
from twilio_fixtures import STACK_PUBLIC_URL, ThreadedEmulator
from xdist.scheduler import LoadScopeScheduling

from gateway.assistant.training import ensure_model
from gateway.errors import ParleyError

__all__ = [
    "ROOT",
    "BotStack",
    "WebhookReceiver",
    "bot_model",
    "bot_stack",
    "bot_stack_env",
    "pytest_collection_finish",
    "pytest_collection_modifyitems",
    "pytest_xdist_make_scheduler",
    "repo_settings",
]

STACK_REDIS_DB = 14  # the tests' own Redis db is 15; the stack's workers must not take their jobs
BOT_TEST_TIMEOUT = 600  # seconds, for a test using the stack: its set-up starts Rasa
MODEL_KEY = pytest.StashKey[Path | ParleyError]()
E2E_SUFFIX = "_e2e.py"


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
    # SMS and calls of the stack go through the real twilio SDK to an emulator, email through
    # SendGrid's API to another, both on the emulator thread's loop.
    twilio = ThreadedEmulator()
    twilio.start()
    sendgrid = SendGridEmulator()
    twilio.call(sendgrid.start())
    stack = BotStack(
        tmp_path_factory.mktemp("stack"),
        bot_model,
        redis_url=stack_redis,
        extra_env=twilio.env() | sendgrid_env(sendgrid) | bot_stack_env,
        twilio=twilio,
        sendgrid=sendgrid,
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
        twilio.call(sendgrid.stop())
        twilio.stop()


@pytest.fixture
async def http(bot_stack: BotStack) -> AsyncIterator[aiohttp.ClientSession]:
    """A client session with the stack's core-system token."""
    headers = {"Authorization": f"Bearer {bot_stack.api_token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        yield session


def _with_db(url: str, db: int) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{db}"))
