"""The audit trail: every change leaves a chained row; tampering is found and named."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from helpers import account_body, parley
from sqlalchemy import delete, select, update

from gateway.clock import utcnow
from gateway.db.engine import create_engine
from gateway.db.tables import audit_log
from gateway.records.audit import AuditEntry, append, verify


async def test_chains_verify_and_tampering_is_named(client: Any, settings: Any) -> None:
    for ref in ("A-1", "A-2"):
        await client.put(f"/v1/accounts/{ref}", json=account_body())
        await client.put(
            f"/v1/accounts/{ref}",
            json=account_body(
                flags={
                    "disputed": True,
                    "cease_communication": False,
                    "do_not_contact": False,
                    "attorney_represented": False,
                }
            ),
        )
    ok = parley("audit", "verify", database_url=settings.database_url)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK:")
    assert "2 chains" in ok.stdout

    engine = create_engine(settings.database_url)
    async with engine.begin() as conn:
        victim = (
            await conn.execute(
                select(audit_log).where(
                    audit_log.c.chain_key == "account:A-2", audit_log.c.seq == 3
                )
            )
        ).one()
        await conn.execute(
            update(audit_log)
            .where(audit_log.c.id == victim.id)
            .values(payload=victim.payload.replace('"api"', '"agent"'))
        )
    await engine.dispose()
    broken = parley("audit", "verify", database_url=settings.database_url)
    assert broken.returncode == 1
    assert f"chain account:A-2 at seq 3 (row id {victim.id})" in broken.stdout
    assert "hash does not match" in broken.stdout
    assert "A-1" not in broken.stdout


async def test_deleting_the_last_rows_is_detected(client: Any, settings: Any) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    engine = create_engine(settings.database_url)
    async with engine.begin() as conn:
        last = await conn.scalar(select(audit_log.c.id).order_by(audit_log.c.id.desc()))
        await conn.execute(delete(audit_log).where(audit_log.c.id == last))
    async with engine.connect() as conn:
        report = await verify(conn)
    await engine.dispose()
    assert not report.ok
    assert report.breaks[0].reason == "rows are missing at the end"


async def test_concurrent_writers_to_one_chain_keep_it_intact(settings: Any) -> None:
    engine = create_engine(settings.database_url)

    async def write(i: int) -> None:
        async with engine.begin() as conn:
            await append(conn, [AuditEntry("account:X", "test.event", utcnow(), {"i": i}, "X")])

    await asyncio.gather(*(write(i) for i in range(20)))
    async with engine.connect() as conn:
        report = await verify(conn)
        seqs = (await conn.execute(select(audit_log.c.seq).order_by(audit_log.c.seq))).scalars()
        assert list(seqs) == list(range(1, 21))
    await engine.dispose()
    assert report.ok


@pytest.mark.parametrize("command", [["serve"], ["worker"]])
def test_processes_refuse_an_unmigrated_database(tmp_path: Any, command: list[str]) -> None:
    result = parley(
        *command,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/empty.db",
        api_tokens="t",
        port="0",
    )
    assert result.returncode == 2
    assert "run `parley db upgrade` first" in result.stderr


def test_db_upgrade_then_serve_without_tokens_is_a_clear_error(tmp_path: Any) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/p.db"
    up = parley("db", "upgrade", database_url=url)
    assert up.returncode == 0
    assert "database is at migration" in up.stdout
    serve = parley("serve", database_url=url)
    assert serve.returncode == 2
    assert "PARLEY_API_TOKENS" in serve.stderr
    bad = parley("serve", database_url=url, port="http")
    assert bad.returncode == 2
    assert "PARLEY_PORT" in bad.stderr
