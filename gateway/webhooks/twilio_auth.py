"""Twilio's signature, checked for every route of the Twilio webhooks sub-application.

The middleware reads the form once, proves Twilio sent it (``X-Twilio-Signature``) and leaves
it on the request for the handler; a forgery is a 403 before any handler runs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiohttp import web
from aiohttp.typedefs import Handler

from channels.twilio_signature import SIGNATURE_HEADER, is_valid_signature
from gateway.appkeys import SETTINGS
from gateway.config import Settings
from gateway.errors import BadRequest, Forbidden
from gateway.webhooks.malformed import malformed_as_400

log = logging.getLogger("parley.webhooks.twilio")
TWILIO_FORM = web.RequestKey("twilio_form", Mapping[str, str])


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


@web.middleware
async def twilio_signature(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every Twilio webhook: the POST parameters (last value of each), once the signature
    proves Twilio sent them; otherwise 403 and nothing else happens."""
    settings = request.config_dict[SETTINGS]
    try:
        form = await request.post()
    except ValueError:
        raise BadRequest("the body is not a readable form", code="malformed_form") from None
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
    request[TWILIO_FORM] = {name: values[-1] for name, values in params.items()}
    return await malformed_as_400(request, handler)


def twiml(document: str) -> web.Response:
    """A TwiML answer."""
    return web.Response(text=document, content_type="text/xml")
