"""SMS: the Messages REST resource (create, fetch, list) and the webhooks Twilio sends about texts
(status callbacks for sent messages, inbound SMS)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .formats import API_VERSION, ERROR_MESSAGES, account_path, new_sid, rfc2822
from .rest import (
    RecordedRequest,
    Resource,
    RestGate,
    error_response,
    fetch_response,
    page_response,
)
from .webhooks import SentWebhook, WebhookSender


@dataclass
class Messages:
    """The account's messages (``store``, by SID) and what Twilio does with them."""

    account_sid: str
    store: dict[str, Resource]
    sender: WebhookSender

    def add_routes(self, router: web.UrlDispatcher, gate: RestGate) -> None:
        """Serve the Messages endpoints the SDK calls, behind ``gate``."""
        base = f"{account_path('{account_sid}')}/Messages"
        router.add_post(f"{base}.json", gate.guard(self._create))
        router.add_get(f"{base}.json", gate.guard(self._list))
        router.add_get(f"{base}/{{sid}}.json", gate.guard(self._fetch))

    # -- REST API ----------------------------------------------------------------------------------

    async def _create(self, request: web.Request, recorded: RecordedRequest) -> web.Response:
        form = recorded.fields()
        if not form.get("To"):
            return error_response(400, 21604)
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return error_response(400, 21603)
        if not form.get("Body") and not form.get("MediaUrl"):
            return error_response(400, 21602)
        now = rfc2822()
        sid = new_sid("SM")
        body = form.get("Body", "")
        uri = f"{account_path(self.account_sid)}/Messages/{sid}"
        message: dict[str, Any] = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": str(len(recorded.form.get("MediaUrl", []))),
            "num_segments": str(max(1, -(-len(body) // 160))),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            # Twilio answers "accepted" while a Messaging Service still has to pick the sender.
            "status": "queued" if form.get("From") else "accepted",
            "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
            "to": form["To"],
            "uri": f"{uri}.json",
        }
        # Not part of Twilio's resource; kept aside so send_status_callback knows where to post.
        self.store[sid] = {**message, "_status_callback": form.get("StatusCallback")}
        return web.json_response(message, status=201)

    async def _fetch(self, request: web.Request, recorded: RecordedRequest) -> web.Response:
        return fetch_response(self.store, request.match_info["sid"])

    async def _list(self, request: web.Request, recorded: RecordedRequest) -> web.Response:
        filters = (("To", "to"), ("From", "from"))
        return page_response(request, self.account_sid, "Messages", self.store, filters)

    # -- webhooks ----------------------------------------------------------------------------------

    async def send_status_callback(
        self,
        sid: str,
        status: str,
        *,
        url: str | None = None,
        public_url: str | None = None,
        error_code: int | None = None,
    ) -> SentWebhook:
        """Move message ``sid`` to ``status`` and post Twilio's status callback for it.

        ``url`` defaults to the StatusCallback given at create time, which is a public URL:
        it is delivered through ``route_public`` unless ``public_url`` is given.
        """
        message = self.store[sid]
        target = url or message["_status_callback"]
        if not target:
            raise ValueError(f"message {sid} has no StatusCallback and no url was given")
        message["status"] = status
        message["date_updated"] = rfc2822()
        if status in {"sent", "delivered"} and message["date_sent"] is None:
            message["date_sent"] = message["date_updated"]
        if error_code is not None:
            message["error_code"] = error_code
            message["error_message"] = ERROR_MESSAGES.get(error_code)
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "From": message["from"] or "",
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": message["to"],
        }
        if message["messaging_service_sid"]:
            params["MessagingServiceSid"] = message["messaging_service_sid"]
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return await self.sender.post_signed(target, params, public_url=public_url)

    async def send_inbound_sms(
        self,
        url: str,
        *,
        from_: str,
        to: str,
        body: str,
        public_url: str | None = None,
        message_sid: str | None = None,
        extra: dict[str, str] | None = None,
    ) -> SentWebhook:
        """Post an inbound SMS webhook as Twilio does when ``from_`` texts ``to``.

        Pass the same ``message_sid`` twice to emulate Twilio redelivering one message.
        """
        sid = message_sid or new_sid("SM")
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "Body": body,
            "From": from_,
            "FromCountry": "US",
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": to,
            "ToCountry": "US",
            **(extra or {}),
        }
        return await self.sender.post_signed(url, params, public_url=public_url)
