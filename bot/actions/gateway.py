"""The gateway's bot API (``/v1/bot/...``): the only way the assistant reads or records anything.

The tracker store is in memory and lost when Rasa restarts, so whatever must survive (identity
verified, attempts left, what the debtor asked for) lives in the gateway and is read from here.
No action touches a database.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:8080"
# The gateway's development default for PARLEY_BOT_TOKEN; production sets its own.
DEVELOPMENT_BEARER = "parley-dev-bot-token"
TIMEOUT_SECONDS = 10.0
# aiohttp raises asyncio's TimeoutError, which is not the builtin one before Python 3.11 (the
# bot venv runs 3.10); JSON that does not parse raises ValueError.
_FAILURES: tuple[type[Exception], ...] = (aiohttp.ClientError, asyncio.TimeoutError, ValueError)


class GatewayUnavailable(Exception):
    """The gateway could not be reached, timed out, failed (5xx) or answered off-contract."""


class NotVerified(Exception):
    """403 ``not_verified``: the gateway does not consider the debtor verified."""


class InvalidUpdate(Exception):
    """422 ``invalid_update``: a value was refused; ``details`` says which and why."""

    def __init__(self, message: str, details: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.details = details

    def fields(self) -> set[str]:
        """Names of the refused fields (``amount``, ``date``, ``start_date`` ...)."""
        return {str(detail.get("field")) for detail in self.details if detail.get("field")}

    def messages(self) -> list[str]:
        """The sentences the gateway wrote for the debtor, one per refused field, in order."""
        return [str(detail["message"]) for detail in self.details if detail.get("message")]


class Gateway:
    """A small client for the bot API; one HTTP request per call, each with its own timeout."""

    def __init__(self, base_url: str, token: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self._base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    @classmethod
    def from_env(cls) -> Gateway:
        """Configured by ``PARLEY_GATEWAY_URL`` and ``PARLEY_BOT_TOKEN`` (development defaults)."""
        return cls(
            os.environ.get("PARLEY_GATEWAY_URL", DEFAULT_URL),
            os.environ.get("PARLEY_BOT_TOKEN", DEVELOPMENT_BEARER),
        )

    async def conversation(self, conversation_id: str) -> dict[str, Any] | None:
        """State, verification status and (only once verified) the account; None if unknown."""
        return await self._call("GET", self._path(conversation_id), None)

    async def verify(self, conversation_id: str, value: str) -> dict[str, Any]:
        """Check what the debtor typed as their date of birth or ZIP."""
        return await self._must("POST", self._path(conversation_id, "verify"), {"value": value})

    async def normalize(
        self, conversation_id: str, *, amount: str | None = None, date: str | None = None
    ) -> dict[str, Any]:
        """Parse and validate a raw amount and/or date without recording anything."""
        body = {key: value for key, value in (("amount", amount), ("date", date)) if value}
        return await self._must("POST", self._path(conversation_id, "normalize"), body)

    async def record(
        self, conversation_id: str, kind: str, data: dict[str, Any], dedupe_key: str
    ) -> dict[str, Any]:
        """Record an account update; raises InvalidUpdate (422) or NotVerified (403)."""
        body = {"kind": kind, "data": data, "dedupe_key": dedupe_key}
        return await self._must("POST", self._path(conversation_id, "updates"), body)

    def _path(self, conversation_id: str, action: str = "") -> str:
        path = f"/v1/bot/conversations/{conversation_id}"
        return f"{path}/{action}" if action else path

    async def _must(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self._call(method, path, body)
        if answer is None:
            # The gateway sends turns only for conversations it knows: a 404 here is a fault.
            logger.warning("bot API %s %s: unknown conversation", method, path)
            raise GatewayUnavailable(f"{method} {path}: HTTP 404")
        return answer

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        """The JSON answer; None for 404 (unknown conversation); errors mapped to exceptions."""
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout, headers=self._headers) as session,
                session.request(method, self._base_url + path, json=body) as response,
            ):
                status = response.status
                answer = await response.json(content_type=None) if status != 204 else {}
        except _FAILURES as exc:
            # Paths carry only the conversation id; bodies (what the debtor typed) are never logged.
            logger.warning("bot API %s %s failed: %s", method, path, type(exc).__name__)
            raise GatewayUnavailable(f"{method} {path}: {type(exc).__name__}") from exc
        if status == 404:
            return None
        error = answer.get("error") if isinstance(answer, dict) else None
        error = error if isinstance(error, dict) else {}
        if status == 403 and error.get("code") == "not_verified":
            raise NotVerified(str(error.get("message", "not verified")))
        if status == 422:
            details = error.get("details")
            raise InvalidUpdate(
                str(error.get("message", "invalid update")),
                [item for item in details if isinstance(item, dict)]
                if isinstance(details, list)
                else [],
            )
        if not 200 <= status < 300 or not isinstance(answer, dict):
            logger.warning("bot API %s %s answered HTTP %s", method, path, status)
            raise GatewayUnavailable(f"{method} {path}: HTTP {status}")
        return answer
