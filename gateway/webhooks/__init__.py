"""Provider webhooks: one sub-application per provider, each checking its provider's signature
before any handler runs."""

from __future__ import annotations

from aiohttp import web

from gateway.auth import Scheme, secured
from gateway.webhooks import sendgrid_email, twilio_sms, twilio_voice
from gateway.webhooks.sendgrid_auth import sendgrid_inbound, sendgrid_signature
from gateway.webhooks.twilio_auth import twilio_signature


def twilio_webhooks() -> web.Application:
    """``/webhooks/twilio``: SMS, message status, the IVR, call status, recordings."""
    app = secured(Scheme.TWILIO_SIGNATURE, twilio_signature)
    app.add_routes(twilio_sms.routes)
    app.add_routes(twilio_voice.routes)
    return app


def sendgrid_events_webhook() -> web.Application:
    """``/webhooks/sendgrid/events``: delivery and engagement events, signed by SendGrid."""
    app = secured(Scheme.SENDGRID_SIGNATURE, sendgrid_signature)
    app.add_routes(sendgrid_email.events_routes)
    return app


def sendgrid_inbound_webhook() -> web.Application:
    """``/webhooks/sendgrid/inbound``: inbound email, signed or behind Basic credentials."""
    app = secured(Scheme.SENDGRID_INBOUND, sendgrid_inbound)
    app.add_routes(sendgrid_email.inbound_routes)
    return app
