"""Canned responses: supervisors write them; agents insert them with the conversation's
variables filled in (``{debtor_first_name}``, ``{collector_name}``)."""

from __future__ import annotations

import string
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.agents.actions import checked_text
from gateway.agents.directory import Agent
from gateway.clock import iso
from gateway.db.tables import canned_responses
from gateway.errors import Forbidden, NotFound, ValidationFailed
from gateway.ids import new_id
from gateway.records import audit
from gateway.records.audit import SYSTEM_CHAIN, AuditEntry

VARIABLES = ("debtor_first_name", "collector_name")
_FORMATTER = string.Formatter()


def _checked(title: str, body: str) -> tuple[str, str]:
    title = title.strip()
    if not 1 <= len(title) <= 100:
        raise ValidationFailed(
            "title must be 1-100 characters",
            details=[{"field": "title", "message": "1-100 characters"}],
        )
    body = checked_text(body, "body")
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in _FORMATTER.parse(body)]
    except ValueError as exc:
        raise ValidationFailed(
            f"body: {exc}", details=[{"field": "body", "message": str(exc)}]
        ) from None
    names = {name for name, _, _ in fields if name is not None}
    if any(spec or conversion for name, spec, conversion in fields if name is not None):
        message = "variables take no format: write {debtor_first_name}"
        raise ValidationFailed(message, details=[{"field": "body", "message": message}])
    unknown = sorted(names - set(VARIABLES))
    if unknown:
        message = f"unknown variables {unknown}; known: {', '.join(VARIABLES)}"
        raise ValidationFailed(message, details=[{"field": "body", "message": message}])
    return title, body


def fill(body: str, variables: dict[str, str]) -> str:
    """The body with the conversation's variables filled in."""
    return body.format_map(variables)


def _public(row: Any, variables: dict[str, str] | None) -> dict[str, Any]:
    answer = {
        "id": row.id,
        "title": row.title,
        "body": row.body,
        "updated_at": iso(row.updated_at),
    }
    if variables is not None:
        answer["text"] = fill(row.body, variables)
    return answer


async def list_canned(
    conn: AsyncConnection, variables: dict[str, str] | None
) -> list[dict[str, Any]]:
    """Every canned response, by title; with ``variables``, each also filled in as ``text``."""
    rows = await conn.execute(select(canned_responses).order_by(canned_responses.c.title))
    return [_public(row, variables) for row in rows]


async def save_canned(
    conn: AsyncConnection,
    agent: Agent,
    title: str,
    body: str,
    now: datetime,
    canned_id: str | None = None,
) -> dict[str, Any]:
    """Create (or, with ``canned_id``, edit) a canned response: supervisors only."""
    _supervisor(agent)
    title, body = _checked(title, body)
    if canned_id is None:
        canned_id = new_id("can")
        await conn.execute(
            canned_responses.insert().values(
                id=canned_id,
                title=title,
                body=body,
                created_by=agent.id,
                created_at=now,
                updated_at=now,
            )
        )
    else:
        changed = await conn.execute(
            update(canned_responses)
            .where(canned_responses.c.id == canned_id)
            .values(title=title, body=body, updated_at=now)
        )
        if not changed.rowcount:
            raise NotFound(f"no canned response {canned_id!r}", code="canned_response_not_found")
    await _audit(conn, "canned_response.saved", agent, canned_id, now)
    row = (
        await conn.execute(select(canned_responses).where(canned_responses.c.id == canned_id))
    ).one()
    return _public(row, None)


async def delete_canned(conn: AsyncConnection, agent: Agent, canned_id: str, now: datetime) -> None:
    """Delete a canned response: supervisors only."""
    _supervisor(agent)
    deleted = await conn.execute(delete(canned_responses).where(canned_responses.c.id == canned_id))
    if not deleted.rowcount:
        raise NotFound(f"no canned response {canned_id!r}", code="canned_response_not_found")
    await _audit(conn, "canned_response.deleted", agent, canned_id, now)


def _supervisor(agent: Agent) -> None:
    if not agent.is_supervisor:
        raise Forbidden("only supervisors manage canned responses", code="supervisors_only")


async def _audit(
    conn: AsyncConnection, event: str, agent: Agent, canned_id: str, now: datetime
) -> None:
    await audit.append(
        conn, [AuditEntry(SYSTEM_CHAIN, event, now, {"agent_id": agent.id}, canned_id)]
    )
