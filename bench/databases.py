"""Where a benchmark run keeps its state: a fresh, migrated SQL database and a Redis db.

The SQL database is a SQLite file or a throwaway PostgreSQL database; the Redis db is flushed
before and after a run, so it must be one nothing else uses.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import urllib.parse
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg

from gateway.db.migrate import upgrade_database

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
KINDS = ("sqlite", "postgres")
REDIS_URL = "redis://127.0.0.1:6379/14"
# The tests use db 15 and 14 (their process stack), and CI runs the smoke modes meanwhile.
SMOKE_REDIS_URL = "redis://127.0.0.1:6379/12"


def throwaway_url(admin_url: str, name: str) -> str:
    """The SQLAlchemy URL of database ``name`` on the server ``admin_url`` points at."""
    parts = urllib.parse.urlsplit(admin_url)
    return urllib.parse.urlunsplit(parts._replace(scheme="postgresql+asyncpg", path=f"/{name}"))


@contextlib.asynccontextmanager
async def database(kind: str, postgres_admin_url: str = POSTGRES_ADMIN_URL) -> AsyncIterator[str]:
    """A fresh, migrated database (``kind`` "sqlite" or "postgres"); yields its URL.

    SQLite: a file in a temporary directory. PostgreSQL: ``parley_bench_<random>`` created
    through ``postgres_admin_url`` and dropped ``WITH (FORCE)`` afterwards, even on failure.
    """
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/parley.db"
            await upgrade_database(url)
            yield url
        return
    name = f"parley_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(postgres_admin_url, timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        url = throwaway_url(postgres_admin_url, name)
        await upgrade_database(url)
        yield url
    finally:
        admin = await asyncpg.connect(postgres_admin_url, timeout=5)
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


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """``--redis-url`` and ``--postgres-url``, as every benchmark with servers takes them."""
    parser.add_argument(
        "--redis-url",
        help=f"a Redis db of the benchmark's own: flushed before and after (default {REDIS_URL})",
    )
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_ADMIN_URL,
        help="a PostgreSQL database to connect to when creating and dropping the throwaway "
        f"one (default {POSTGRES_ADMIN_URL})",
    )
