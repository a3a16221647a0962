"""Provider webhooks: one sub-application per provider, each checking its provider's signature
before any handler runs."""

from __future__ import annotations

from aiohttp import web

from gateway.auth import Scheme, secured
from gateway.webhooks import twilio_sms, twilio_voice
from gateway.webhooks.twilio_auth import twilio_signature


def twilio_webhooks() -> web.Application:
    """``/webhooks/twilio``: SMS, message status, the IVR, call status, recordings."""
    app = secured(Scheme.TWILIO_SIGNATURE, twilio_signature)
    app.add_routes(twilio_sms.routes)
    app.add_routes(twilio_voice.routes)
    return app
