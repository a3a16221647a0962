"""The async engine: SQLite (aiosqlite) by default, PostgreSQL (asyncpg) when configured."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

# An execution option of connections that only read (``reading``).
READ_ONLY = "parley_read_only"


def create_engine(database_url: str) -> AsyncEngine:
    """Create the engine; for SQLite, make the file's folder and set the pragmas."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30})
    event.listen(engine.sync_engine, "connect", _sqlite_connect)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control from the driver so that "begin" below decides how to begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "busy_timeout=30000",
        "foreign_keys=ON",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # Gateway and worker are separate processes on one file: a deferred transaction that
    # reads and then writes fails at once with "database is locked" when another process
    # wrote in between, while IMMEDIATE waits for the lock (busy_timeout) and then succeeds.
    # A connection from ``reading`` never writes, so it needs no lock.
    read_only = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection that only reads. On SQLite its transaction begins deferred: it takes no
    write lock, so it neither waits for nor holds up writers in other processes (WAL lets
    readers and a writer work side by side)."""
    async with engine.connect() as conn:
        yield await conn.execution_options(**{READ_ONLY: True})
