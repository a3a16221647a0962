"""Alembic, driven from code: ``parley db upgrade`` and the start-up schema check."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.engine import create_engine
from gateway.errors import NotMigratedError


def alembic_config() -> Config:
    """Alembic configuration pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", "gateway.db:migrations")
    return config


def head_revision() -> str | None:
    """The newest migration shipped with this version of Parley."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply every migration up to ``revision``."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a table's constraints by rebuilding it, and dropping the old copy
            # with foreign keys on would cascade to every row that refers to it (timeline rows
            # of messages). The pragma only takes effect outside a transaction.
            await conn.run_sync(_sqlite_foreign_keys, False)
        try:
            await conn.run_sync(run)
            await conn.commit()
        finally:
            if sqlite:
                await conn.rollback()
                await conn.run_sync(_sqlite_foreign_keys, True)


def _sqlite_foreign_keys(connection: Connection, enabled: bool) -> None:
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(f"PRAGMA foreign_keys={'ON' if enabled else 'OFF'}")
    cursor.close()


async def upgrade_database(database_url: str) -> None:
    """Apply every migration to the database at ``database_url`` (an engine of its own)."""
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def ensure_migrated(engine: AsyncEngine) -> None:
    """Refuse to run against a database that is not at the newest migration."""
    current, head = await current_revision(engine), head_revision()
    if current != head:
        raise NotMigratedError(
            f"the database is at migration {current or 'none'} but this Parley needs {head}: "
            "run `parley db upgrade` first"
        )
