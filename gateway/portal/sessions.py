"""Portal sessions, kept server-side in Redis so any gateway replica can serve the debtor.

The browser holds a random session id in an HttpOnly, SameSite=Strict cookie scoped to
``/portal``; Redis holds, under a hash of that id, what the session may see (one account, the
link it came through, the web-chat conversation of that link) and its CSRF token, with an idle
expiry renewed by each request.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from gateway.server_sessions import RedisSessions, tokens_match

COOKIE = "parley_portal"
_SESSION_KEY = "parley:portal:session:"


@dataclass(frozen=True, slots=True)
class PortalSession:
    """A verified debtor's session: which account it shows, and the token forms must carry."""

    session_id: str
    account_id: int
    account_ref: str
    link_id: str
    conversation_id: str
    csrf_token: str

    def csrf_matches(self, presented: str | None) -> bool:
        """Whether a form's CSRF token is this session's (compared in constant time)."""
        return tokens_match(presented, self.csrf_token)


class PortalSessionStore(RedisSessions):
    """Debtor sessions in Redis."""

    def __init__(self, redis: Redis, idle_seconds: int) -> None:
        super().__init__(redis, _SESSION_KEY, idle_seconds)

    async def start(
        self, *, account_id: int, account_ref: str, link_id: str, conversation_id: str
    ) -> PortalSession:
        """A new session for a debtor who just answered the identity check."""
        record: dict[str, Any] = {
            "account_id": account_id,
            "account_ref": account_ref,
            "link_id": link_id,
            "conversation_id": conversation_id,
            "csrf_token": secrets.token_urlsafe(32),
        }
        return PortalSession(session_id=await self._create(record), **record)

    async def resume(self, session_id: str | None) -> PortalSession | None:
        """The live session for this id, its idle expiry renewed; None when unknown or expired."""
        record = await self._renewed(session_id)
        if record is None or session_id is None:
            return None
        return PortalSession(session_id=session_id, **record)
