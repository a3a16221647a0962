"""The checks after a run: every accepted request is one outreach, and the dry run wrote nothing.

Checked per database: outreach rows == outreach requests sent (warm-up included), one timeline
row per outreach, audit rows >= outreach rows, queued arq jobs == non-blocked outreach,
contact-event rows == events imported, the evaluate phase left the row counts and the queued
jobs as they were, and every audit hash chain verifies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arq.constants import default_queue_name
from redis.asyncio import Redis
from sqlalchemy import func, select

from bench.databases import sqlite_files
from gateway.db.engine import create_engine
from gateway.db.tables import audit_log, contact_events, outreach, timeline
from gateway.records import audit

Counts = dict[str, int]


@dataclass(frozen=True, slots=True)
class Consistency:
    """Row counts after a run and the verdict of each check."""

    expected: int
    rows: Counts
    by_status: dict[str, int]
    jobs: int
    imported_events: int
    evaluate_counts: tuple[Counts, Counts] | None
    files: str
    checks: dict[str, bool]

    @property
    def ok(self) -> bool:
        """Every check passed."""
        return all(self.checks.values())

    def as_json(self) -> dict[str, Any]:
        """The JSON report's "sanity" object."""
        return {
            "expected": self.expected,
            "rows": self.rows,
            "by_status": self.by_status,
            "jobs": self.jobs,
            "imported_events": self.imported_events,
            "evaluate_counts": self.evaluate_counts,
            "files": self.files,
            "checks": self.checks,
        }


async def count_rows(url: str) -> Counts:
    """Rows of the tables that intake or an import writes."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return {
                name: (await conn.execute(select(func.count()).select_from(table))).scalar_one()
                for name, table in (
                    ("outreach", outreach),
                    ("timeline", timeline),
                    ("audit_log", audit_log),
                    ("contact_events", contact_events),
                )
            }
    finally:
        await engine.dispose()


async def snapshot_counts(url: str, redis: Redis) -> Counts:
    """Row counts and queued jobs: what a dry run must leave as it found it."""
    return await count_rows(url) | {"jobs": await redis.zcard(default_queue_name)}


async def check(
    url: str,
    redis: Redis,
    expected: int,
    imported: int,
    evaluate_counts: tuple[Counts, Counts] | None,
    verify_audit: bool,
) -> Consistency:
    """Row counts after the run; every accepted request must be exactly one outreach."""
    rows = await count_rows(url)
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            statuses = select(outreach.c.status, func.count()).group_by(outreach.c.status)
            by_status: dict[str, int] = {s: n for s, n in (await conn.execute(statuses)).all()}
            report = await audit.verify(conn) if verify_audit else None
    finally:
        await engine.dispose()
    queued = await redis.zcard(default_queue_name)
    not_blocked = sum(n for s, n in by_status.items() if s != "blocked")
    checks = {
        "outreach rows == requests sent": rows["outreach"] == expected,
        "timeline rows == outreach rows": rows["timeline"] == rows["outreach"],
        "audit rows >= outreach rows": rows["audit_log"] >= rows["outreach"],
        "queued jobs == non-blocked outreach": queued == not_blocked,
        "contact_events rows == events imported": rows["contact_events"] == imported,
    }
    if evaluate_counts is not None:
        before, after = evaluate_counts
        checks["evaluate phase changed no rows and queued no jobs"] = before == after
    if report is not None:
        checks["audit chains verify"] = report.ok
    return Consistency(
        expected, rows, by_status, queued, imported, evaluate_counts, sqlite_files(url), checks
    )
