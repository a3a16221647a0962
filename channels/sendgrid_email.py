"""Outbound email through SendGrid's Mail Send v3 API.

The ``sendgrid`` package's ``Mail`` helper builds the request; it is posted on the gateway's
shared aiohttp session rather than with the package's own client, which is synchronous, has no
timeout unless given one and would block the worker's event loop (``bench/sendgrid_send.py``
measures both ways). One personalization per message; Parley's message id travels in
``custom_args`` (never personal data), so every event about the message names it.

SendGrid has no API to look a message up, so a send whose answer was lost cannot be checked:
``lookup`` says so and the send core leaves the message for a person instead of sending twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp
from sendgrid.helpers.mail import CustomArg, From, Header, HtmlContent, Mail, ReplyTo, To

from channels.base import CANNOT_TELL, Effect, Lookup, OutboundMessage, ProviderError, SendResult
from channels.sendgrid_webhooks import MESSAGE_ID_ARG

DEFAULT_BASE_URL = "https://api.sendgrid.com"
SEND_PATH = "/v3/mail/send"
# RFC 8058: the header that makes a List-Unsubscribe URL a one-click POST.
ONE_CLICK = "List-Unsubscribe=One-Click"
# SendGrid answers these when it may accept the same request later.
RETRYABLE = frozenset({429, 500, 502, 503, 504})
# A 400 about the recipient's address says the address is unusable.
_ADDRESS_FIELDS = ("personalizations.0.to", "to.email")


class SendGridEmailProvider:
    """Sends one email per message; status arrives through the Event Webhook."""

    name = "sendgrid"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_key: str,
        from_email: str,
        from_name: str | None,
        unsubscribe_url: Callable[[str], str],
        base_url: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._session = session
        self._url = (base_url or DEFAULT_BASE_URL).rstrip("/") + SEND_PATH
        self._headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        self._from = From(from_email, from_name)
        self._unsubscribe_url = unsubscribe_url
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    def request_body(self, message: OutboundMessage) -> dict[str, Any]:
        """The Mail Send request for ``message``, built by the SDK's ``Mail`` helper."""
        mail = Mail(
            from_email=self._from,
            to_emails=To(message.to),
            subject=message.subject or "",
            plain_text_content=message.body,
        )
        if message.html:
            mail.content = HtmlContent(message.html)
        if message.reply_to:
            mail.reply_to = ReplyTo(message.reply_to)
        mail.custom_arg = CustomArg(MESSAGE_ID_ARG, message.message_id)
        headers = dict(message.headers)
        headers["List-Unsubscribe"] = f"<{self._unsubscribe_url(message.message_id)}>"
        headers["List-Unsubscribe-Post"] = ONE_CLICK
        for key, value in headers.items():
            mail.header = Header(key, value)
        body: dict[str, Any] = mail.get()
        return body

    async def send(self, message: OutboundMessage) -> SendResult:
        """POST the mail; 202 is accepted with SendGrid's ``X-Message-Id``."""
        payload = json.dumps(self.request_body(message)).encode()
        try:
            async with self._session.post(
                self._url, data=payload, headers=self._headers, timeout=self._timeout
            ) as response:
                status = response.status
                text = await response.text()
                message_id = response.headers.get("X-Message-Id")
        except aiohttp.ClientConnectorError as exc:
            # Never connected: SendGrid cannot have the mail, so trying again is safe.
            raise ProviderError("sendgrid_unreachable", str(exc), retryable=True) from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            # The request may have reached SendGrid: the answer is what was lost.
            raise ProviderError(
                "sendgrid_no_answer",
                f"no answer from SendGrid ({type(exc).__name__})",
                retryable=True,
                outcome_unknown=True,
            ) from None
        if status == 202:
            return SendResult(provider_id=message_id or message.message_id, status="accepted")
        raise _refusal(status, text)

    async def lookup(self, message: OutboundMessage, since: datetime) -> Lookup:
        """SendGrid cannot be asked whether it got a message."""
        return CANNOT_TELL


def _refusal(status: int, text: str) -> ProviderError:
    """SendGrid's error body (``errors[].message`` and ``.field``) as a ProviderError."""
    errors = _errors(text)
    described = "; ".join(
        f"{e['field']}: {e['message']}" if e.get("field") else str(e.get("message", ""))
        for e in errors
    )
    effect: Effect | None = None
    if status == 400 and any(str(e.get("field") or "").startswith(_ADDRESS_FIELDS) for e in errors):
        effect = "invalid_contact"
    return ProviderError(
        f"sendgrid_{status}",
        described or f"SendGrid answered HTTP {status}",
        retryable=status in RETRYABLE,
        effect=effect,
    )


def _errors(text: str) -> list[dict[str, Any]]:
    try:
        body = json.loads(text)
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return []
    return [e for e in errors if isinstance(e, dict)]
