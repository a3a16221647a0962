"""Email through SendGrid in the benchmarks: the gateway's SendGrid settings and its webhook.

The gateway (``bench._server sendgrid-gateway``) gets the Event Webhook's verification key of a
key pair the benchmark made; the benchmark signs every batch with its private half, as SendGrid
does. Nothing is sent: the Mail Send base URL only has to be valid.
"""

from __future__ import annotations

from typing import Any

EVENTS_PATH = "/webhooks/sendgrid/events"
PUBLIC_URL = "https://parley-bench.example"
SENDGRID_API_KEY = "SG.parley-bench.key"
PARLEY_ADDRESS = "collections@parley-bench.example"


def sendgrid_settings(public_key_b64: str) -> dict[str, Any]:
    """The gateway's settings (``load_settings`` names) for email through SendGrid, with the
    Event Webhook checked against ``public_key_b64`` (base64 DER SubjectPublicKeyInfo)."""
    return {
        "provider_email": "sendgrid",
        "sendgrid_api_key": SENDGRID_API_KEY,
        "sendgrid_from": PARLEY_ADDRESS,
        # Never called, as nothing is sent; it only has to be a valid URL.
        "sendgrid_base_url": "http://127.0.0.1:9",
        "sendgrid_webhook_public_key": public_key_b64,
        "public_url": PUBLIC_URL,
    }
