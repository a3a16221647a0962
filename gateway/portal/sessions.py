"""Portal sessions, kept server-side in Redis so any gateway replica can serve the debtor.

The browser holds a random session id in an HttpOnly, SameSite=Strict cookie scoped to
``/portal``; Redis holds, under a hash of that id, what the session may see (one account, the
link it came through, the web-chat conversation of that link) and its CSRF token, with an idle
expiry renewed by each request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass

from redis.asyncio import Redis

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
        return presented is not None and hmac.compare_digest(
            presented.encode(), self.csrf_token.encode()
        )


def _key(session_id: str) -> str:
    # Redis never holds a usable session id.
    return _SESSION_KEY + hashlib.sha256(session_id.encode()).hexdigest()


class PortalSessionStore:
    """Debtor sessions in Redis."""

    def __init__(self, redis: Redis, idle_seconds: int) -> None:
        self.redis = redis
        self.idle_seconds = idle_seconds

    async def start(
        self, *, account_id: int, account_ref: str, link_id: str, conversation_id: str
    ) -> PortalSession:
        """A new session for a debtor who just answered the identity check."""
        session = PortalSession(
            session_id=secrets.token_urlsafe(32),
            account_id=account_id,
            account_ref=account_ref,
            link_id=link_id,
            conversation_id=conversation_id,
            csrf_token=secrets.token_urlsafe(32),
        )
        record = asdict(session)
        del record["session_id"]
        await self.redis.set(_key(session.session_id), json.dumps(record), ex=self.idle_seconds)
        return session

    async def resume(self, session_id: str | None) -> PortalSession | None:
        """The live session for this id, its idle expiry renewed; None when unknown or expired."""
        if not session_id or len(session_id) > 100:
            return None
        raw = await self.redis.getex(_key(session_id), ex=self.idle_seconds)
        if raw is None:
            return None
        return PortalSession(session_id=session_id, **json.loads(raw))

    async def alive(self, session_id: str) -> bool:
        """Whether the session still exists, without renewing it (an open socket is not use)."""
        return bool(await self.redis.exists(_key(session_id)))

    async def end(self, session_id: str) -> None:
        """Forget a session (the debtor signs out)."""
        await self.redis.delete(_key(session_id))
