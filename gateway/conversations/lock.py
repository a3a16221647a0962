"""A per-conversation lock in Redis, so turns of one conversation never run side by side."""

from __future__ import annotations

import secrets

from redis.asyncio import Redis

# Release or extend only a lock we still hold: its token must match.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class ConversationLock:
    """SET NX with a random token and a TTL, so a crashed worker's lock expires by itself."""

    def __init__(self, redis: Redis, conversation_id: str, ttl_ms: int) -> None:
        self._redis = redis
        self._key = f"parley:lock:conversation:{conversation_id}"
        self._token = secrets.token_hex(16)
        self._ttl_ms = ttl_ms

    async def acquire(self) -> bool:
        """Take the lock if nobody holds it."""
        return bool(await self._redis.set(self._key, self._token, nx=True, px=self._ttl_ms))

    async def extend(self) -> bool:
        """Restart the TTL; False means the lock expired and someone else may hold it now."""
        result = await self._redis.eval(_EXTEND, 1, self._key, self._token, str(self._ttl_ms))  # type: ignore[misc]
        return bool(result)

    async def release(self) -> None:
        """Give the lock back (a no-op when it already expired)."""
        await self._redis.eval(_RELEASE, 1, self._key, self._token)  # type: ignore[misc]
