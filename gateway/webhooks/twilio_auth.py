"""The webhook edge for Twilio: the URL it signed, the verified form, and TwiML answers."""

from __future__ import annotations

import logging

from aiohttp import web

from channels.twilio_signature import SIGNATURE_HEADER, is_valid_signature
from gateway.config import Settings
from gateway.errors import BadRequest, Forbidden

log = logging.getLogger("parley.webhooks.twilio")


def signed_url(request: web.Request, settings: Settings) -> str:
    """The URL Twilio requested, which is what it signed.

    Behind a trusted proxy, the proxy's X-Forwarded-Proto/-Host say it; otherwise
    PARLEY_PUBLIC_URL does. The request's own Host header is never trusted on its own: an
    attacker chooses it, so it would let a replayed signature match another URL.
    """
    path = str(request.rel_url)
    if settings.trust_proxy:
        proto = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip()
        host = request.headers.get("X-Forwarded-Host", request.host).split(",")[0].strip()
        return f"{proto}://{host}{path}"
    return settings.public_endpoint(path)


async def verified_form(request: web.Request, settings: Settings) -> dict[str, str]:
    """The POST parameters (last value of each), once ``X-Twilio-Signature`` proves Twilio
    sent them; otherwise 403 and nothing else happens."""
    form = await request.post()
    params: dict[str, list[str]] = {}
    for name, value in form.items():
        if not isinstance(value, str):
            raise Forbidden("unexpected file upload in a Twilio webhook", code="invalid_signature")
        params.setdefault(name, []).append(value)
    token = settings.twilio_auth_token
    signature = request.headers.get(SIGNATURE_HEADER, "")
    url = signed_url(request, settings)
    if token is None or not is_valid_signature(token.get_secret_value(), url, params, signature):
        log.warning("rejected a Twilio webhook with a bad signature on %s", request.path)
        raise Forbidden("the X-Twilio-Signature does not match", code="invalid_signature")
    return {name: values[-1] for name, values in params.items()}


def required(form: dict[str, str], *names: str) -> list[str]:
    """The values of ``names`` in a verified form; a 400 naming those that are missing."""
    missing = [name for name in names if not form.get(name)]
    if missing:
        raise BadRequest(
            "missing Twilio parameters: " + ", ".join(missing),
            code="missing_parameters",
            details=[{"field": name, "message": "required"} for name in missing],
        )
    return [form[name] for name in names]


def twiml(document: object) -> web.Response:
    """A TwiML answer."""
    return web.Response(text=str(document), content_type="text/xml")
