"""Sharing one transaction among single outreach requests that arrive together."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from gateway.errors import ParleyError
from gateway.outreach.intake import IntakeOutcome, IntakeRequest

Answer = dict[str, Any] | ParleyError


class Coalescer:
    """Runs single requests through the batch path, several per transaction.

    A request's fixed cost (a dozen statements, a commit) dwarfs its own work, so requests
    that arrive while ``lanes`` transactions are busy wait for the next one and share it.
    An idle gateway starts a transaction at once: nothing waits on a timer. Each request still
    gets its own answer; a shared transaction that fails fails every request in it.
    """

    def __init__(
        self,
        accept: Callable[[list[IntakeRequest]], Awaitable[IntakeOutcome]],
        *,
        max_items: int = 500,
        lanes: int = 2,
    ) -> None:
        self._accept = accept
        self._max_items = max_items
        self._free_lanes = lanes
        self._waiting: list[tuple[IntakeRequest, asyncio.Future[Answer]]] = []

    async def accept_now(self, requests: list[IntakeRequest]) -> IntakeOutcome:
        """Accept a batch in a transaction of its own, without waiting for a lane."""
        return await self._accept(requests)

    async def submit(self, request: IntakeRequest) -> Answer:
        """Accept one request; returns its answer (or the error it earned)."""
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting.append((request, future))
        if self._free_lanes:
            self._free_lanes -= 1
            asyncio.create_task(self._drain())  # noqa: RUF006 - it resolves the futures it owns
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self._max_items]
                del self._waiting[: self._max_items]
                try:
                    result = await self._accept([request for request, _ in batch])
                except Exception as exc:
                    for _, future in batch:
                        if not future.done():  # its request may have been cancelled
                            future.set_exception(exc)
                    continue
                for (_, future), answer in zip(batch, result.answers, strict=True):
                    if not future.done():
                        future.set_result(answer)
        finally:
            self._free_lanes += 1
