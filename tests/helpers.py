"""Builders shared by the integration tests."""

from __future__ import annotations

from typing import Any

PHONE = "+14155550123"
EMAIL = "dana.debtor@example.com"


def account_body(**overrides: Any) -> dict[str, Any]:
    """A valid PUT /v1/accounts body; keyword arguments replace top-level fields."""
    body: dict[str, Any] = {
        "creditor": "Acme Bank",
        "collector_type": "third_party",
        "balance": {"amount": "432.10", "currency": "USD"},
        "debtor": {"name": "Dana Debtor", "timezone": "America/Chicago", "postal_code": "60601"},
        "contacts": [
            {"channel": "sms", "address": PHONE, "consent": True},
            {"channel": "email", "address": EMAIL, "consent": True},
        ],
    }
    body.update(overrides)
    return body


def outreach_body(**overrides: Any) -> dict[str, Any]:
    """A valid POST /v1/outreach body."""
    body: dict[str, Any] = {
        "account_ref": "A-1",
        "channel": "sms",
        "template": "payment_reminder",
        "purpose": "collection",
    }
    body.update(overrides)
    return body
