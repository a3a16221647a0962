"""Agent sessions, kept server-side in Redis so any gateway replica can read them.

The browser holds only a random session id (an HttpOnly cookie); Redis holds the agent's id
and the CSRF token under a hash of that id, with an idle expiry renewed by each request. Failed
logins are counted per email, so guessing one agent's password is slowed to a crawl.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from redis.asyncio import Redis

COOKIE = "parley_agent"
_SESSION_KEY = "parley:agent:session:"
_FAILURES_KEY = "parley:agent:login-failures:"
MAX_FAILURES = 5
FAILURE_WINDOW_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in agent's session: whose it is and the token state changes must carry."""

    session_id: str
    agent_id: str
    csrf_token: str

    def csrf_matches(self, presented: str | None) -> bool:
        """Whether a request's X-CSRF-Token is this session's (compared in constant time)."""
        return presented is not None and hmac.compare_digest(
            presented.encode(), self.csrf_token.encode()
        )


def _digest(value: str) -> str:
    # Redis never holds a usable session id or an email in clear.
    return hashlib.sha256(value.encode()).hexdigest()


class SessionStore:
    """Sessions and login throttling in Redis."""

    def __init__(self, redis: Redis, idle_seconds: int) -> None:
        self.redis = redis
        self.idle_seconds = idle_seconds

    async def start(self, agent_id: str) -> Session:
        """A new session for an agent who just proved who they are."""
        session = Session(secrets.token_urlsafe(32), agent_id, secrets.token_urlsafe(32))
        record = json.dumps({"agent_id": agent_id, "csrf_token": session.csrf_token})
        await self.redis.set(
            _SESSION_KEY + _digest(session.session_id), record, ex=self.idle_seconds
        )
        return session

    async def resume(self, session_id: str | None) -> Session | None:
        """The live session for this id, its idle expiry renewed; None when unknown or expired."""
        if not session_id:
            return None
        key = _SESSION_KEY + _digest(session_id)
        raw = await self.redis.getex(key, ex=self.idle_seconds)
        if raw is None:
            return None
        record = json.loads(raw)
        return Session(session_id, record["agent_id"], record["csrf_token"])

    async def alive(self, session_id: str) -> bool:
        """Whether the session still exists, without renewing it (an open socket is not use)."""
        return bool(await self.redis.exists(_SESSION_KEY + _digest(session_id)))

    async def end(self, session_id: str) -> None:
        """Forget a session (logout)."""
        await self.redis.delete(_SESSION_KEY + _digest(session_id))

    async def locked_out(self, email: str) -> bool:
        """Whether this email has failed too often lately to be tried again now."""
        failures = await self.redis.get(_FAILURES_KEY + _digest(email.strip().lower()))
        return failures is not None and int(failures) >= MAX_FAILURES

    async def count_failure(self, email: str) -> None:
        """Remember a failed login; the window starts at the first failure."""
        key = _FAILURES_KEY + _digest(email.strip().lower())
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, FAILURE_WINDOW_SECONDS, nx=True)
            await pipe.execute()
