"""What every outbound channel adapter offers the worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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
    """The provider refused or failed; ``retryable`` says whether trying later may succeed."""

    def __init__(self, code: str, message: str, *, retryable: bool) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable


class Provider(Protocol):
    """An outbound channel adapter."""

    name: str

    async def send(self, message: OutboundMessage) -> SendResult:
        """Hand the message to the provider; raise ProviderError when it is not accepted."""
        ...

    async def lookup(self, message_id: str) -> SendResult | None:
        """Find a message sent earlier under our id; None means the provider never got it."""
        ...
