"""Append-only, hash-chained audit log: one chain per account plus a system chain.

Each row stores ``sha256(prev_hash + "\\n" + canonical_json(header) + "\\n" + payload)``, where
the header is the row's chain, sequence, time, event and subject, and the payload is canonical
JSON. Rows are appended in the caller's transaction, so an audit row exists exactly when the
change it records does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.tables import audit_heads, audit_log

SYSTEM_CHAIN = "system"
GENESIS = "0" * 64


def account_chain(account_ref: str) -> str:
    """Chain key of one account's audit trail."""
    return f"account:{account_ref}"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One fact to append: what happened, to what, with which inputs."""

    chain_key: str
    event: str
    at: datetime
    payload: dict[str, Any]
    subject: str | None = None


def canonical_json(value: Any) -> str:
    """Stable JSON text: sorted keys, no spaces, non-JSON types as strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def row_hash(
    prev_hash: str,
    chain_key: str,
    seq: int,
    at: datetime,
    event: str,
    subject: str | None,
    payload_text: str,
) -> str:
    """The hash of one audit row given the hash of the row before it in its chain."""
    header = canonical_json(
        {
            "at": at.isoformat(),
            "chain_key": chain_key,
            "event": event,
            "seq": seq,
            "subject": subject,
        }
    )
    # The payload is already canonical JSON text: hashed as stored, never encoded twice.
    return hashlib.sha256(f"{prev_hash}\n{header}\n{payload_text}".encode()).hexdigest()


async def append(conn: AsyncConnection, entries: Sequence[AuditEntry]) -> None:
    """Append entries to their chains inside the caller's transaction.

    Chain heads are claimed and locked in key order by one upsert (a no-op update takes the
    row lock on PostgreSQL; SQLite transactions are already serial), so concurrent writers to
    one chain queue up and writers to different chains never wait on each other.
    """
    if not entries:
        return
    upsert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    keys = sorted({e.chain_key for e in entries})
    claim = upsert(audit_heads).values([{"chain_key": k, "seq": 0, "hash": GENESIS} for k in keys])
    locked = claim.on_conflict_do_update(
        index_elements=[audit_heads.c.chain_key], set_={"seq": audit_heads.c.seq}
    ).returning(audit_heads.c.chain_key, audit_heads.c.seq, audit_heads.c.hash)
    heads = {row.chain_key: (row.seq, row.hash) for row in await conn.execute(locked)}

    rows = []
    for entry in entries:
        seq, prev = heads[entry.chain_key]
        seq += 1
        payload_text = canonical_json(entry.payload)
        digest = row_hash(
            prev, entry.chain_key, seq, entry.at, entry.event, entry.subject, payload_text
        )
        rows.append(
            {
                "chain_key": entry.chain_key,
                "seq": seq,
                "at": entry.at,
                "event": entry.event,
                "subject": entry.subject,
                "payload": payload_text,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        heads[entry.chain_key] = (seq, digest)
    await conn.execute(insert(audit_log), rows)
    await conn.execute(
        update(audit_heads)
        .where(audit_heads.c.chain_key == bindparam("key"))
        .values(seq=bindparam("new_seq"), hash=bindparam("new_hash")),
        [{"key": k, "new_seq": s, "new_hash": h} for k, (s, h) in heads.items()],
    )


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first row of a chain whose stored hash does not match its recomputed one."""

    chain_key: str
    seq: int
    row_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class VerifyReport:
    chains: int
    rows: int
    breaks: tuple[ChainBreak, ...]

    @property
    def ok(self) -> bool:
        return not self.breaks


async def verify(conn: AsyncConnection) -> VerifyReport:
    """Recompute every chain; report the first broken row of each broken chain."""
    rows = 0
    breaks: list[ChainBreak] = []
    ends: dict[str, tuple[int, str]] = {}
    async for chain_key, chain_rows in _chains(conn):
        prev, seq = GENESIS, 0
        for row in chain_rows:
            rows += 1
            problem = _row_problem(row, seq + 1, prev)
            if problem:
                breaks.append(ChainBreak(chain_key, row.seq, row.id, problem))
                break
            prev, seq = row.hash, row.seq
        ends[chain_key] = (seq, prev)
    broken = {b.chain_key for b in breaks}
    for head in await conn.execute(select(audit_heads).order_by(audit_heads.c.chain_key)):
        if head.chain_key not in broken and ends.get(head.chain_key, (0, GENESIS)) != (
            head.seq,
            head.hash,
        ):
            breaks.append(ChainBreak(head.chain_key, head.seq, 0, "rows are missing at the end"))
    return VerifyReport(len(ends), rows, tuple(breaks))


def _row_problem(row: Any, expected_seq: int, prev: str) -> str | None:
    if row.seq != expected_seq:
        return f"sequence jumps from {expected_seq - 1} to {row.seq}"
    if row.prev_hash != prev:
        return "prev_hash does not match the previous row"
    if row.hash != row_hash(
        prev, row.chain_key, row.seq, row.at, row.event, row.subject, row.payload
    ):
        return "hash does not match the row's content"
    return None


async def _chains(conn: AsyncConnection) -> AsyncIterator[tuple[str, list[Any]]]:
    # Stream in (chain, seq) order so memory stays bounded by one chain at a time.
    result = await conn.stream(select(audit_log).order_by(audit_log.c.chain_key, audit_log.c.seq))
    current: str | None = None
    batch: list[Any] = []
    async for row in result:
        if row.chain_key != current:
            if current is not None:
                yield current, batch
            current, batch = row.chain_key, []
        batch.append(row)
    if current is not None:
        yield current, batch
