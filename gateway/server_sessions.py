"""Server-side sessions in Redis, shared by agents' and debtors' logins.

The browser holds only a random session id (an HttpOnly cookie); Redis holds the session's
record under a hash of that id, so Redis never holds a usable session id, with an idle expiry
renewed each time the session is used.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

from redis.asyncio import Redis

_MAX_ID_CHARS = 100  # ours are 43; anything much longer is not worth a Redis call


def tokens_match(presented: str | None, expected: str) -> bool:
    """Whether a presented token (CSRF) is the expected one, compared in constant time."""
    return bool(presented) and hmac.compare_digest(str(presented).encode(), expected.encode())


class RedisSessions:
    """Session records under ``prefix`` with an idle expiry of ``idle_seconds``."""

    def __init__(self, redis: Redis, prefix: str, idle_seconds: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.idle_seconds = idle_seconds

    def _key(self, session_id: str) -> str:
        return self.prefix + hashlib.sha256(session_id.encode()).hexdigest()

    async def _create(self, record: dict[str, Any]) -> str:
        """Store a new session's record; its id."""
        session_id = secrets.token_urlsafe(32)
        await self.redis.set(self._key(session_id), json.dumps(record), ex=self.idle_seconds)
        return session_id

    async def _renewed(self, session_id: str | None) -> dict[str, Any] | None:
        """The live session's record, its idle expiry renewed; None when unknown or expired."""
        if not session_id or len(session_id) > _MAX_ID_CHARS:
            return None
        raw = await self.redis.getex(self._key(session_id), ex=self.idle_seconds)
        return None if raw is None else dict(json.loads(raw))

    async def alive(self, session_id: str) -> bool:
        """Whether the session still exists, without renewing it (an open socket is not use)."""
        return bool(await self.redis.exists(self._key(session_id)))

    async def end(self, session_id: str) -> None:
        """Forget a session (logout)."""
        await self.redis.delete(self._key(session_id))
