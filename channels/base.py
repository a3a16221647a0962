"""What every outbound channel adapter offers the gateway."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Literal, Protocol

# What a provider's refusal says about the contact point, for the gateway to record.
Effect = Literal["opted_out", "invalid_contact"]


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """A rendered message, addressed and identified by Parley's own message id.

    ``message_id`` is the correlation every adapter hands the provider so it comes back with
    each status report (Twilio: the status callback URL; SendGrid: ``custom_args``); it is never
    personal data. ``html``, ``reply_to`` and ``headers`` (``List-Unsubscribe`` and the like)
    are for channels that carry them; others ignore them.
    """

    message_id: str
    channel: str
    to: str
    body: str
    subject: str | None = None
    html: str | None = None
    reply_to: str | None = None
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class SendResult:
    """What the provider said when it accepted a message."""

    provider_id: str
    status: str


class LookupVerdict(enum.StrEnum):
    """Whether the provider has a message whose send answer was lost."""

    FOUND = "found"
    NOT_SENT = "not_sent"  # the provider never got it: sending again is safe
    CANNOT_TELL = "cannot_tell"  # no way to ask: sending again could send it twice


@dataclass(frozen=True, slots=True)
class Lookup:
    """The answer to "did you get this message?"; ``result`` only when found."""

    verdict: LookupVerdict
    result: SendResult | None = None

    @classmethod
    def found(cls, result: SendResult) -> Lookup:
        """The provider has it, under ``result.provider_id``."""
        return cls(LookupVerdict.FOUND, result)


NOT_SENT = Lookup(LookupVerdict.NOT_SENT)
CANNOT_TELL = Lookup(LookupVerdict.CANNOT_TELL)


class ProviderError(Exception):
    """The provider refused or failed.

    ``retryable``: trying later may succeed. ``outcome_unknown``: the request may have been
    accepted (a timeout), so the next try must reconcile before sending. ``effect``: what the
    refusal says about the contact point (the recipient opted out, the number is invalid).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        retryable: bool,
        outcome_unknown: bool = False,
        effect: Effect | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable
        self.outcome_unknown = outcome_unknown
        self.effect = effect


class Provider(Protocol):
    """An outbound channel adapter."""

    name: str

    async def send(self, message: OutboundMessage) -> SendResult:
        """Hand the message to the provider; raise ProviderError when it is not accepted."""
        ...

    async def lookup(self, message: OutboundMessage, since: datetime) -> Lookup:
        """Whether the provider got a message handed over at or after ``since``.

        A provider that cannot be asked answers CANNOT_TELL: the gateway then never sends the
        message again on its own; a person decides.
        """
        ...
