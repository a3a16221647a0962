"""Agent sessions, kept server-side in Redis so any gateway replica can read them.

The browser holds only a random session id (an HttpOnly cookie); Redis holds the agent's id
and the CSRF token under a hash of that id, with an idle expiry renewed by each request. Failed
logins are counted per email, so guessing one agent's password is slowed to a crawl.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from redis.asyncio import Redis

from gateway.server_sessions import RedisSessions, tokens_match

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
        return tokens_match(presented, self.csrf_token)


def _digest(value: str) -> str:
    # Redis never holds an email in clear.
    return hashlib.sha256(value.encode()).hexdigest()


class SessionStore(RedisSessions):
    """Agent sessions and login throttling in Redis."""

    def __init__(self, redis: Redis, idle_seconds: int) -> None:
        super().__init__(redis, _SESSION_KEY, idle_seconds)

    async def start(self, agent_id: str) -> Session:
        """A new session for an agent who just proved who they are."""
        csrf_token = secrets.token_urlsafe(32)
        session_id = await self._create({"agent_id": agent_id, "csrf_token": csrf_token})
        return Session(session_id, agent_id, csrf_token)

    async def resume(self, session_id: str | None) -> Session | None:
        """The live session for this id, its idle expiry renewed; None when unknown or expired."""
        record = await self._renewed(session_id)
        if record is None or session_id is None:
            return None
        return Session(session_id, record["agent_id"], record["csrf_token"])

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
