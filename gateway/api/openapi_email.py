"""SendGrid's webhooks and the unsubscribe link in the OpenAPI document: neither takes a bearer
token (SendGrid signs its posts or uses Basic credentials; the link carries its own token)."""

from __future__ import annotations

from typing import Any

_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_TOKEN = [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}]
_SIGNED = [
    {"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
    for name in ("X-Twilio-Email-Event-Webhook-Signature", "X-Twilio-Email-Event-Webhook-Timestamp")
]
_JSON_OK = {"application/json": {"schema": {"type": "object"}}}
_EVENTS = {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}
_PAGE = {"text/html": {"schema": {"type": "string"}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {
        str(code): {"description": "error", "content": {"application/json": {"schema": _ERROR_REF}}}
        for code in codes
    }


def email_operations() -> dict[str, dict[str, Any]]:
    """``/webhooks/sendgrid/events``, ``/webhooks/sendgrid/inbound`` and ``/unsubscribe``."""
    return {
        "/webhooks/sendgrid/events": {
            "post": {
                "summary": "SendGrid Event Webhook: a signed batch of delivery and engagement "
                "events (timestamp at most 5 minutes old)",
                "security": [],
                "parameters": _SIGNED,
                "requestBody": {"required": True, "content": _EVENTS},
                "responses": {"200": {"description": "stored", "content": _JSON_OK}}
                | _errors(400, 403, 413, 503),
            }
        },
        "/webhooks/sendgrid/inbound": {
            "post": {
                "summary": "SendGrid Inbound Parse: an email from a debtor (signed, or Basic "
                "credentials in the Parse URL)",
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {"multipart/form-data": {"schema": {"type": "object"}}},
                },
                "responses": {"200": {"description": "stored", "content": _JSON_OK}}
                | _errors(400, 401, 403, 413, 503),
            }
        },
        "/unsubscribe/{token}": {
            "parameters": _TOKEN,
            "get": {
                "summary": "An email's unsubscribe link: the confirmation page (changes nothing)",
                "security": [],
                "responses": {
                    "200": {"description": "page", "content": _PAGE},
                    "404": {"description": "not a link of ours", "content": _PAGE},
                },
            },
            "post": {
                "summary": "Unsubscribe the address the email went to (the page's button, or "
                "RFC 8058 one-click: List-Unsubscribe=One-Click)",
                "security": [],
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "properties": {"List-Unsubscribe": {"const": "One-Click"}},
                            }
                        }
                    },
                },
                "responses": {
                    "200": {"description": "unsubscribed", "content": _PAGE},
                    "404": {"description": "not a link of ours", "content": _PAGE},
                },
            },
        },
    }
