"""What every outbound channel adapter offers the worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

# What a provider's refusal says about the contact point, for the worker to record.
Effect = Literal["opted_out", "invalid_contact"]


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """A rendered message, addressed and identified by Parley's own message id."""

    message_id: str
    channel: str
    to: str
    body: str
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class SendResult:
    """What the provider said when it accepted a message."""

    provider_id: str
    status: str


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

    async def lookup(self, message: OutboundMessage, since: datetime) -> SendResult | None:
        """Find a message handed over at or after ``since``; None: the provider never got it."""
        ...
