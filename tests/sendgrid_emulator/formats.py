"""SendGrid's wire formats: the API key, ids, limits and the JSON error bodies of the v3 API.

Error bodies are ``{"errors": [{"message", "field", "help"}]}``. The 401 body is SendGrid's own
text; the 400 messages follow SendGrid's Mail Send errors reference
(twilio.com/docs/sendgrid/api-reference/mail-send/errors), and the ``help`` links are the ones its
400 answers carry. The texts for the other statuses are SendGrid-like, not verbatim.
"""

from __future__ import annotations

import secrets
from http import HTTPStatus
from typing import Any

DEFAULT_API_KEY = "SG.parley-test-key.emulator"
MAIL_SEND_PATH = "/v3/mail/send"
# Mail Send refuses a request whose total size (attachments included) is over 30 MB.
MAX_BODY_BYTES = 30 * 1024 * 1024
MAX_PERSONALIZATIONS = 1000
MAX_CUSTOM_ARGS_BYTES = 10_000

HELP_BASE = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html"
UNAUTHORIZED_MESSAGE = "The provided authorization grant is invalid, expired, or revoked"

# What SendGrid says with the statuses ``fail_next`` can inject; others get the HTTP phrase.
FAILURE_MESSAGES: dict[int, tuple[str, str | None]] = {
    400: ("Bad Request", None),
    401: (UNAUTHORIZED_MESSAGE, None),
    403: (
        "The from address does not match a verified Sender Identity. Mail cannot be sent until "
        "this error is resolved. Visit https://sendgrid.com/docs/for-developers/sending-email/"
        "sender-identity/ to see the Sender Identity requirements",
        "from",
    ),
    413: ("The request is too large: Mail Send accepts at most 30 MB.", None),
    429: ("too many requests", None),
    500: ("internal server error", None),
    502: ("bad gateway", None),
    503: ("service unavailable", None),
}


def new_id() -> str:
    """A SendGrid id (``X-Message-Id``, ``sg_event_id``): 22 random URL-safe base64 characters."""
    return secrets.token_urlsafe(16)


def error_body(message: str, field: str | None = None, help_: str | None = None) -> dict[str, Any]:
    """SendGrid's error body with one error."""
    return {"errors": [{"message": message, "field": field, "help": help_}]}


def mail_error_help(anchor: str) -> str:
    """The ``help`` link SendGrid gives with a Mail Send 400, e.g. ``message.subject``."""
    return f"{HELP_BASE}#{anchor}"


def failure_body(status: int) -> dict[str, Any]:
    """The body SendGrid answers an injected ``status`` with."""
    message, field = FAILURE_MESSAGES.get(status, (HTTPStatus(status).phrase.lower(), None))
    return error_body(message, field)
