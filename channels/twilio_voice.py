"""Outbound calls through Twilio's Calls API: the call fetches its TwiML from the gateway."""

from __future__ import annotations

from datetime import datetime

from twilio.rest import Client

from channels.base import NOT_SENT, Lookup, OutboundMessage, SendResult
from channels.twilio_errors import mapped_errors
from channels.twilio_sms import CLOCK_SLACK, LOOKUP_LIMIT

# Everything after "initiated" matters: the final status decides the contact outcome.
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]


class TwilioVoiceProvider:
    """Places voice outreach calls; a person gets the IVR, a machine the limited-content message."""

    name = "twilio"

    def __init__(
        self,
        client: Client,
        *,
        from_: str,
        answer_url: str,
        status_callback: str,
        machine_detection: bool,
    ) -> None:
        self._client = client
        self._from = from_
        self._answer_url = answer_url
        self._status_callback = status_callback
        self._machine_detection = machine_detection

    async def send(self, message: OutboundMessage) -> SendResult:
        """Create the call; both URLs carry our message id, so the webhooks find the outreach."""
        query = f"?message_id={message.message_id}"
        # DetectMessageEnd waits for the greeting's beep, so a voicemail gets the whole message.
        detection = {"machine_detection": "DetectMessageEnd"} if self._machine_detection else {}
        with mapped_errors():
            created = await self._client.calls.create_async(
                to=message.to,
                from_=self._from,
                url=self._answer_url + query,
                status_callback=self._status_callback + query,
                status_callback_event=STATUS_EVENTS,
                **detection,
            )
        return SendResult(provider_id=str(created.sid), status=str(created.status))

    async def lookup(self, message: OutboundMessage, since: datetime) -> Lookup:
        """Find a call to the same number from our number placed since ``since``."""
        with mapped_errors():
            found = await self._client.calls.list_async(
                to=message.to, from_=self._from, limit=LOOKUP_LIMIT
            )
        earliest = since - CLOCK_SLACK
        for candidate in found:
            created = candidate.date_created
            if created is not None and created >= earliest:
                return Lookup.found(
                    SendResult(provider_id=str(candidate.sid), status=str(candidate.status))
                )
        return NOT_SENT
