"""The web chat's adapter: the debtor's page reads messages from Parley itself.

Nothing leaves Parley to reach a chat: once the send core has recorded a chat message, the
debtor's page (``/portal/ws``) reads it from the database. So "sending" is immediate and
always succeeds, and the provider id is derived from Parley's own message id, which makes the
answer to a lookup after a crash the same as the answer to the send.
"""

from __future__ import annotations

from datetime import datetime

from channels.base import Lookup, OutboundMessage, SendResult

PROVIDER = "web_chat"
# A chat message is on the debtor's page once stored: there is no further hop to report on.
DELIVERED = "delivered"


def _result(message: OutboundMessage) -> SendResult:
    return SendResult(provider_id=f"chat-{message.message_id}", status=DELIVERED)


class WebChatProvider:
    """The ``chat`` channel's provider: the portal's chat socket is the delivery."""

    def __init__(self) -> None:
        self.name = PROVIDER

    async def send(self, message: OutboundMessage) -> SendResult:
        """Accept the message: the page shows it from the database."""
        return _result(message)

    async def lookup(self, message: OutboundMessage, since: datetime) -> Lookup:
        """A chat message handed over was delivered (the send cannot fail), so the answer to a
        lost send is always "found", under the same provider id."""
        return Lookup.found(_result(message))
