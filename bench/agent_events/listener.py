"""Every frame the bench receives, on agent sockets or its own Redis subscriber, matched to the
events it waits for."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field


@dataclass
class Expected:
    """An event some sockets should receive: when each of them did."""

    needed: int
    arrivals: list[float] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def arrive(self, at: float) -> None:
        """One socket received it at ``at`` (perf_counter)."""
        self.arrivals.append(at)
        if len(self.arrivals) >= self.needed:
            self.done.set()


class Listener:
    """Every frame the bench's sockets (and its own Redis subscriber) receive, matched to the
    events it waits for by (event, conversation_id)."""

    def __init__(self) -> None:
        self.waiting: dict[tuple[str, str], Expected] = {}
        self.unexpected = 0  # anything that came after its wait ended (or nobody waited for)

    def expect(self, event: str, conversation_id: str, needed: int = 1) -> Expected:
        """Start waiting for an event; call before whatever causes it."""
        expected = Expected(needed)
        self.waiting[(event, conversation_id)] = expected
        return expected

    def deliver(self, data: str | bytes, at: float) -> None:
        """A frame arrived at ``at``."""
        try:
            payload = json.loads(data)
            key = (str(payload["event"]), str(payload["conversation_id"]))
        except (ValueError, KeyError, TypeError):
            self.unexpected += 1
            return
        expected = self.waiting.get(key)
        if expected is None:
            self.unexpected += 1
        else:
            expected.arrive(at)

    async def wait(self, event: str, conversation_id: str, wait_seconds: float) -> Expected:
        """Wait until enough sockets have the event (or the timeout), and stop waiting for it."""
        expected = self.waiting[(event, conversation_id)]
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(expected.done.wait(), wait_seconds)
        finally:
            self.forget(event, conversation_id)
        return expected

    def forget(self, event: str, conversation_id: str) -> None:
        """Stop waiting for an event: a frame of it arriving later counts as unexpected."""
        self.waiting.pop((event, conversation_id), None)
