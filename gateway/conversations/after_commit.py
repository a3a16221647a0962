"""What a transaction sets going once it has committed: bot turns, sends, update deliveries,
transcriptions and events for agents, gathered in one object by whoever does the work (inbound
routing, the bot API, the IVR, a bot turn, a recording)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from arq.connections import ArqRedis

from gateway.config import Settings
from gateway.conversations.agent_events import WAITING, AgentEvent, publish
from gateway.conversations.store import HUMAN_STATES
from gateway.records.updates import delivery_enabled
from gateway.worker.jobs import (
    enqueue_delivery,
    enqueue_message,
    enqueue_transcription,
    enqueue_turn,
)

log = logging.getLogger("parley.after_commit")


@dataclass(slots=True)
class AfterCommit:
    """Work recorded in the database, to start once the transaction has committed.

    Each piece is already stored (a pending message, a queued reply, an update pending
    delivery), so when Redis fails here the requeue sweeps find it later: nothing is lost.
    """

    turns: list[str] = field(default_factory=list)
    sends: list[str] = field(default_factory=list)
    updates: list[int] = field(default_factory=list)
    events: list[AgentEvent] = field(default_factory=list)
    transcriptions: list[str] = field(default_factory=list)

    def add(self, other: AfterCommit) -> AfterCommit:
        """Take on another piece of work's follow-ups; returns self."""
        self.turns += other.turns
        self.sends += other.sends
        self.updates += other.updates
        self.events += other.events
        self.transcriptions += other.transcriptions
        return self

    def escalation(self, before: Any, after: Any) -> AfterCommit:
        """Tell agents when the conversation went from the bot to a person; returns self."""
        if before.state not in HUMAN_STATES and after.state in HUMAN_STATES:
            fields = {"reason": after.escalation_reason}
            self.events.append(AgentEvent(WAITING, after.id, fields))
        return self

    async def flush(self, redis: ArqRedis, settings: Settings) -> None:
        """Enqueue the jobs and publish the events."""
        try:
            for message_id in self.turns:
                await enqueue_turn(redis, message_id)
            for message_id in self.sends:
                await enqueue_message(redis, message_id)
            if delivery_enabled(settings):
                for update_id in self.updates:
                    await enqueue_delivery(redis, update_id)
            for recording_id in self.transcriptions:
                await enqueue_transcription(redis, recording_id)
        except Exception:
            log.exception("could not enqueue work after commit; the requeue sweeps will")
        for event in self.events:
            await publish(redis, event)
