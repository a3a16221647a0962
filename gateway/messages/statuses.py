"""Every status a message can be in, separately for what Parley sends and what it receives.

The database enforces the same sets with a CHECK constraint (migration 0005).
"""

from __future__ import annotations

import enum


class OutboundStatus(enum.StrEnum):
    """A message Parley sends: an outreach's message, a reply, a confirmation."""

    QUEUED = "queued"  # waiting for the worker (again, after a retryable error)
    DEFERRED = "deferred"  # policy said not yet; ``not_before`` says when
    SENDING = "sending"  # recorded before the provider call; its answer is not recorded yet
    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    BLOCKED = "blocked"  # policy said never
    # The answer to the send was lost and the provider cannot be asked: a person checks.
    UNKNOWN = "unknown"


class InboundStatus(enum.StrEnum):
    """A message a consumer sent."""

    RECEIVED = "received"  # stored; its bot-turn job routes it first
    PENDING = "pending"  # routed, waiting for its bot turn
    ANSWERED = "answered"  # the assistant answered it
    FOR_AGENT = "for_agent"  # a person reads it (escalated conversation, unknown sender)
    KEYWORD = "keyword"  # STOP, START or HELP: handled without a conversation turn


# Not sent yet: the send core may still act on these.
UNSENT = frozenset({OutboundStatus.QUEUED, OutboundStatus.DEFERRED, OutboundStatus.SENDING})
# How far along a message is: a status report never moves a message backwards. A message in
# "unknown" moves on when the provider reports it after all. A failure is final even after
# "delivered": an email can bounce after the receiving server accepted it.
RANK = {
    OutboundStatus.QUEUED: 0,
    OutboundStatus.DEFERRED: 0,
    OutboundStatus.SENDING: 0,
    OutboundStatus.UNKNOWN: 0,
    OutboundStatus.SENT: 1,
    OutboundStatus.DELIVERED: 2,
    OutboundStatus.UNDELIVERED: 3,
    OutboundStatus.FAILED: 3,
    OutboundStatus.BLOCKED: 3,
}
