"""The statuses of an outreach request, as the API reports them.

An outreach is decided at intake (queued, deferred or blocked); from its first send on it follows
its message (``gateway.outreach.progress``). The database enforces the same set (migration 0005).
"""

from __future__ import annotations

import enum


class OutreachStatus(enum.StrEnum):
    """Where an outreach request is."""

    QUEUED = "queued"
    DEFERRED = "deferred"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    BLOCKED = "blocked"
    UNKNOWN = "unknown"  # the send's answer was lost and the provider cannot be asked


FINAL = frozenset(
    {
        OutreachStatus.SENT,
        OutreachStatus.DELIVERED,
        OutreachStatus.FAILED,
        OutreachStatus.BLOCKED,
        OutreachStatus.UNKNOWN,
    }
)
