"""Outbound SMS through Twilio's Messages API, with Twilio's errors mapped to what Parley does."""

from __future__ import annotations

from datetime import datetime, timedelta

from twilio.rest import Client

from channels.base import NOT_SENT, Lookup, OutboundMessage, SendResult
from channels.twilio_errors import mapped_errors

# Twilio's clock and ours differ a little; a message created just before we recorded it counts.
CLOCK_SLACK = timedelta(minutes=2)
LOOKUP_LIMIT = 50


class TwilioSmsProvider:
    """Sends SMS with the twilio SDK's async client; status callbacks come to the gateway."""

    name = "twilio"

    def __init__(
        self,
        client: Client,
        *,
        from_: str | None,
        messaging_service_sid: str | None,
        status_callback: str,
    ) -> None:
        self._client = client
        self._from = from_
        self._service = messaging_service_sid
        self._status_callback = status_callback

    async def send(self, message: OutboundMessage) -> SendResult:
        """Create the message; the status callback URL carries our id so callbacks find it."""
        sender = (
            {"messaging_service_sid": self._service} if self._service else {"from_": self._from}
        )
        with mapped_errors():
            created = await self._client.messages.create_async(
                to=message.to,
                body=message.body,
                status_callback=f"{self._status_callback}?message_id={message.message_id}",
                **sender,
            )
        return SendResult(provider_id=str(created.sid), status=str(created.status))

    async def lookup(self, message: OutboundMessage, since: datetime) -> Lookup:
        """Find a message Twilio accepted but we did not record: same recipient, body, and time.

        Twilio keeps no reference of ours on a message, so recipient, sender, body and creation
        time identify it; the newest match wins.
        """
        with mapped_errors():
            found = await self._client.messages.list_async(
                to=message.to, from_=None if self._service else self._from, limit=LOOKUP_LIMIT
            )
        earliest = since - CLOCK_SLACK
        for candidate in found:  # newest first
            created = candidate.date_created
            if candidate.body == message.body and created is not None and created >= earliest:
                return Lookup.found(
                    SendResult(provider_id=str(candidate.sid), status=str(candidate.status))
                )
        return NOT_SENT
