"""INSERT … ON CONFLICT for whichever engine the connection runs on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection


def dialect_insert(conn: AsyncConnection, table: Table) -> Any:
    """An insert that offers ``on_conflict_do_nothing``/``_update`` on SQLite and PostgreSQL."""
    return (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)
