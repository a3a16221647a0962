"""SendGrid's outgoing side: posting webhook requests (event batches, inbound mail) and logging
what the receiver answered."""

from __future__ import annotations

import io
from dataclasses import dataclass

import aiohttp


@dataclass(frozen=True)
class SentWebhook:
    """One webhook request the emulator posted, byte for byte, and the receiver's answer."""

    url: str
    body: bytes
    headers: dict[str, str]
    status: int
    answer: str


@dataclass
class WebhookPoster:
    """Posts exact bytes with exact headers and logs each post in ``sent``."""

    sent: list[SentWebhook]
    _session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        """Open the HTTP session (in the running loop, which it then belongs to)."""
        self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST exactly ``body`` to ``url`` with ``headers``; the status the receiver answered."""
        if self._session is None:
            raise RuntimeError("emulator not started")
        # A file object: aiohttp warns that a large bytes body blocks the event loop.
        async with self._session.post(url, data=io.BytesIO(body), headers=headers) as response:
            answer = await response.text()
        self.sent.append(SentWebhook(url, body, headers, response.status, answer))
        return response.status
