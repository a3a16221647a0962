"""Agent records: created and disabled from the command line, checked at login (argon2)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.tables import agents
from gateway.db.upsert import dialect_insert
from gateway.errors import Conflict, NotFound, ValidationFailed
from gateway.ids import new_id

Role = Literal["agent", "supervisor"]
ROLES: tuple[Role, ...] = ("agent", "supervisor")
MIN_PASSWORD_LENGTH = 12
_HASHER = PasswordHasher()
# Verified against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = _HASHER.hash("parley-no-such-agent")


@dataclass(frozen=True, slots=True)
class Agent:
    """A person who answers conversations; supervisors also manage others' work."""

    id: str
    name: str
    email: str
    role: Role
    active: bool

    @property
    def is_supervisor(self) -> bool:
        """Whether the agent may see every conversation, assign and manage canned responses."""
        return self.role == "supervisor"

    def public(self) -> dict[str, str]:
        """The agent as the console API shows it."""
        return {"id": self.id, "name": self.name, "email": self.email, "role": self.role}


def _agent(row: Any) -> Agent:
    return Agent(row.id, row.name, row.email, row.role, row.active)


def _normal_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise ValidationFailed(
            "email must be an email address", details=[{"field": "email", "message": "invalid"}]
        )
    return email


async def add_agent(
    conn: AsyncConnection, *, email: str, name: str, role: str, password: str, now: datetime
) -> Agent:
    """Create an agent; Conflict if the email is taken."""
    problems = []
    if role not in ROLES:
        problems.append({"field": "role", "message": f"must be one of {', '.join(ROLES)}"})
    if not name.strip():
        problems.append({"field": "name", "message": "must not be empty"})
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            {"field": "password", "message": f"at least {MIN_PASSWORD_LENGTH} characters"}
        )
    if problems:
        raise ValidationFailed(problems[0]["message"], details=problems)
    password_hash = await asyncio.to_thread(_HASHER.hash, password)
    values = {
        "id": new_id("agt"),
        "email": _normal_email(email),
        "name": name.strip(),
        "role": role,
        "active": True,
        "password_hash": password_hash,
        "created_at": now,
        "updated_at": now,
    }
    inserted = await conn.execute(
        dialect_insert(conn, agents).on_conflict_do_nothing(index_elements=["email"]).values(values)
    )
    if not inserted.rowcount:
        raise Conflict(f"an agent with email {values['email']!r} exists", code="agent_exists")
    return Agent(values["id"], values["name"], values["email"], role, True)  # type: ignore[arg-type]


async def disable_agent(conn: AsyncConnection, email: str, now: datetime) -> Agent:
    """Stop an agent from logging in; their sessions end at their next request."""
    result = await conn.execute(
        update(agents)
        .where(agents.c.email == _normal_email(email))
        .values(active=False, updated_at=now)
        .returning(*agents.c)
    )
    row = result.first()
    if row is None:
        raise NotFound(f"no agent with email {email!r}", code="agent_not_found")
    return _agent(row)


async def list_agents(conn: AsyncConnection) -> list[Agent]:
    """Every agent, by name."""
    return [_agent(row) for row in await conn.execute(select(agents).order_by(agents.c.name))]


async def find_agent(conn: AsyncConnection, agent_id: str) -> Agent | None:
    """The agent with this id, active or not."""
    row = (await conn.execute(select(agents).where(agents.c.id == agent_id))).first()
    return _agent(row) if row is not None else None


async def authenticate(conn: AsyncConnection, email: str, password: str) -> Agent | None:
    """The active agent these credentials belong to, or None (whatever was wrong)."""
    row = (
        await conn.execute(select(agents).where(agents.c.email == email.strip().lower()))
    ).first()
    try:
        # argon2 is slow on purpose: off the event loop, so other requests go on meanwhile.
        await asyncio.to_thread(
            _HASHER.verify, row.password_hash if row is not None else _DUMMY_HASH, password
        )
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    return _agent(row)
