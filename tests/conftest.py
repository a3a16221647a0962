"""Shared fixtures: real Redis, real SQLite and PostgreSQL, the app, a worker to drain jobs.

The trained bot and the whole stack as processes come from stack.py.
"""

from __future__ import annotations

import asyncio
import os
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis
from sendgrid_fixtures import (  # noqa: F401
    email,
    email_client,
    email_drain,
    email_settings,
    sendgrid,
    sendgrid_webhooks,
    webhook_clock,
)
from shared import POSTGRES_ADMIN_URL, TOKEN, Drainer
from sqlalchemy import delete, text
from stack import (  # noqa: F401
    bot_model,
    bot_stack,
    bot_stack_env,
    http,
    pytest_collection_finish,
    pytest_collection_modifyitems,
    pytest_xdist_make_scheduler,
)
from twilio_fixtures import (  # noqa: F401
    emulator,
    twilio_client,
    twilio_drain,
    twilio_settings,
    webhooks,
)

from gateway.app import init_app
from gateway.cli.embedded_redis import LOCAL_REDIS, EmbeddedRedis, redis_answers
from gateway.config import Settings, load_settings
from gateway.db.engine import create_engine
from gateway.db.migrate import upgrade_database
from gateway.db.tables import metadata

for _name in [n for n in os.environ if n.startswith("PARLEY_") and not n.startswith("PARLEY_TEST")]:
    del os.environ[_name]


def _worker_index() -> int:
    """0 without pytest-xdist; N for its worker gwN."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis: PARLEY_TEST_REDIS_URL, the local one, or an embedded redis-server.

    Each test flushes its Redis db, so every xdist worker has a db of its own: 15 for the
    first, then 13, 12, ... (14 is the bot stack's).
    """
    index = _worker_index()
    db = 15 if index == 0 else 14 - index
    if url := os.environ.get("PARLEY_TEST_REDIS_URL"):
        parts = urllib.parse.urlsplit(url)
        base = int(parts.path.strip("/") or 0)
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{base - index}"))
    elif redis_answers(*LOCAL_REDIS):
        yield f"redis://127.0.0.1:6379/{db}"
    else:
        embedded = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
        embedded.start()
        yield embedded.url
        embedded.stop()


def _create_postgres_database() -> str:
    name = f"parley_test_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        try:
            conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
        except (OSError, asyncpg.PostgresError) as exc:
            pytest.fail(
                f"PostgreSQL is required for the tests and is not reachable at "
                f"{POSTGRES_ADMIN_URL} ({exc}); set PARLEY_TEST_POSTGRES_URL"
            )
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return name


def _drop_postgres_database(name: str) -> None:
    async def drop() -> None:
        conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


def _migrate(url: str) -> None:
    asyncio.run(upgrade_database(url))


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'parley.db'}"
    _migrate(url)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = _create_postgres_database()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url = f"{base}/{name}"
    _migrate(url)
    yield url
    _drop_postgres_database(name)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs on SQLite and on PostgreSQL."""
    return str(request.getfixturevalue(f"{request.param}_url"))


async def _empty_database(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(t.name for t in metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(metadata.sorted_tables):
                await conn.execute(delete(table))
    await engine.dispose()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
async def settings(database_url: str, redis: Redis, redis_url: str, tmp_path: Path) -> Settings:
    """Settings of a test: its own var dir, an empty database, an empty Redis db."""
    await _empty_database(database_url)
    return load_settings(
        database_url=database_url,
        redis_url=redis_url,
        api_tokens=TOKEN,
        var_dir=tmp_path / "var",
        console_echo=False,
        send_retry_base_seconds=0.01,
    )


GatewayFactory = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
def gateway(aiohttp_client: Any) -> GatewayFactory:
    """``await gateway(settings)``: a client of ``init_app(settings)`` with a core token
    (``token=None``: without one), from pytest-aiohttp's ``aiohttp_client``."""

    async def start(settings: Settings, token: str | None = TOKEN) -> TestClient[Any, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client: TestClient[Any, Any] = await aiohttp_client(init_app(settings), headers=headers)
        return client

    return start


@pytest.fixture
async def client(settings: Settings, gateway: GatewayFactory) -> TestClient[Any, Any]:
    """An HTTP client for an app built by init_app(settings), already authenticated."""
    return await gateway(settings)


@pytest.fixture
def drain(settings: Settings, redis: Redis) -> Drainer:
    """``await drain()`` runs the worker until the due jobs are done."""
    return Drainer(settings, redis)
