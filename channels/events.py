"""What providers tell Parley, as neutral events: inbound text, message status, call status.

Each channel adapter parses its provider's webhooks into these, so the gateway holds no
provider vocabulary. Every event carries the provider's own event id (for dedupe) and the raw
fields it came from (kept with the event).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from channels.base import Effect

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that came with an inbound message (a dispute letter); kept, never opened."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class InboundText:
    """A message a consumer sent.

    ``address`` is where it came from (a phone number, an email address). A channel without
    addresses (web chat) leaves it None and names the ``conversation_id`` its authenticated
    session belongs to instead.
    """

    channel: str
    address: str | None
    body: str
    provider: str
    provider_id: str
    received_at: datetime
    subject: str | None = None
    conversation_id: str | None = None
    attachments: tuple[Attachment, ...] = ()
    raw: Mapping[str, str] = field(default_factory=lambda: _EMPTY)


class DeliveryStatus(enum.StrEnum):
    """How far a message got after the provider accepted it."""

    ACCEPTED = "accepted"  # the provider holds it and has not handed it on yet
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class StatusReport:
    """One delivery status report about a message Parley sent.

    ``event_id`` is the provider's own id of this report (applied once); ``message_id`` is
    Parley's id when the provider echoes it back; ``provider_status`` is the provider's own word,
    kept on the message timeline. ``address`` is the recipient when the provider names it (an
    unsubscribe applies to the address even when the message is not found).
    """

    provider: str
    event_id: str
    provider_message_id: str
    status: DeliveryStatus | None  # None: a status Parley does not track
    provider_status: str
    at: datetime
    message_id: str | None = None
    error_code: str | None = None
    effect: Effect | None = None
    address: str | None = None
    raw: Mapping[str, str] = field(default_factory=lambda: _EMPTY)


class CallStatus(enum.StrEnum):
    """Where a phone call is; the last four are final."""

    STARTING = "starting"  # queued, initiated or ringing
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"  # failed or canceled before anyone answered


FINAL_CALL_STATUSES = frozenset(
    {CallStatus.COMPLETED, CallStatus.NO_ANSWER, CallStatus.BUSY, CallStatus.FAILED}
)


@dataclass(frozen=True, slots=True)
class CallReport:
    """One call status report; ``machine`` is True when a machine answered (None: unknown)."""

    provider: str
    event_id: str
    call_id: str
    status: CallStatus
    at: datetime
    outbound: bool
    caller: str
    called: str
    machine: bool | None = None
    duration: int | None = None
    message_id: str | None = None
    raw: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    @property
    def final(self) -> bool:
        """The call has ended."""
        return self.status in FINAL_CALL_STATUSES

    @property
    def answered_by(self) -> str | None:
        """Who answered, as far as the provider could tell: "machine", "human" or None."""
        return None if self.machine is None else "machine" if self.machine else "human"

    @property
    def address(self) -> str:
        """The consumer's number: whom we called, or who called us."""
        return self.called if self.outbound else self.caller


@dataclass(frozen=True, slots=True)
class CallInput:
    """What the caller did at a prompt: keys pressed, words said (with the recogniser's
    confidence), or nothing (the prompt timed out)."""

    digits: str = ""
    speech: str = ""
    confidence: float = 0.0

    @property
    def empty(self) -> bool:
        """Nothing pressed and nothing said."""
        return not self.digits and not self.speech


@dataclass(frozen=True, slots=True)
class RecordingReport:
    """A recording the provider finished (a voicemail left in the IVR)."""

    provider: str
    recording_id: str
    url: str
    status: str
    at: datetime
    duration: int | None = None


class MalformedEvent(ValueError):
    """A provider request that lacks what every such request carries; ``fields`` names them."""

    def __init__(self, provider: str, fields: list[str]) -> None:
        super().__init__(f"missing {provider} parameters: {', '.join(fields)}")
        self.fields = fields
