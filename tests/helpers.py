"""Builders shared by the integration tests."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from sqlalchemy import Executable, Table, func, select

from gateway.db.engine import create_engine

PHONE = "+13125550123"  # Chicago, like the default debtor
EMAIL = "dana.debtor@example.com"


def account_body(**overrides: Any) -> dict[str, Any]:
    """A valid PUT /v1/accounts body; keyword arguments replace top-level fields."""
    body: dict[str, Any] = {
        "creditor": "Acme Bank",
        "collector_type": "third_party",
        "balance": {"amount": "432.10", "currency": "USD"},
        "debtor": {"name": "Dana Debtor", "timezone": "America/Chicago", "postal_code": "60601"},
        "contacts": [
            {"channel": "sms", "address": PHONE, "consent": True},
            {"channel": "email", "address": EMAIL, "consent": True},
        ],
    }
    body.update(overrides)
    return body


def outreach_body(**overrides: Any) -> dict[str, Any]:
    """A valid POST /v1/outreach body."""
    body: dict[str, Any] = {
        "account_ref": "A-1",
        "channel": "sms",
        "template": "payment_reminder",
        "purpose": "collection",
    }
    body.update(overrides)
    return body


def parley(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the ``parley`` CLI in a fresh process with only the given PARLEY_* variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "gateway.cli.main", *args],
        env=clean | {f"PARLEY_{k.upper()}": v for k, v in env.items()},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def count_rows(database_url: str, table: Table) -> int:
    """How many rows a table holds now."""
    engine = create_engine(database_url)
    async with engine.connect() as conn:
        n = await conn.scalar(select(func.count()).select_from(table))
    await engine.dispose()
    return int(n or 0)


async def select_rows(database_url: str, query: Executable) -> list[Any]:
    """The rows a query returns now, read through a short-lived engine."""
    engine = create_engine(database_url)
    async with engine.connect() as conn:
        found = list(await conn.execute(query))
    await engine.dispose()
    return found
