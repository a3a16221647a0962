"""SendGrid's webhooks: proof that SendGrid sent them, checked before any handler runs.

Both read the raw body themselves (the signature covers its exact bytes) with their own size
limit, and leave it on the request for the handler.

* Event Webhook: SendGrid's signature (ECDSA P-256 over the timestamp header and the raw body,
  ``PARLEY_SENDGRID_WEBHOOK_PUBLIC_KEY``); a timestamp older than five minutes is refused, so a
  captured batch cannot be replayed later (within the window, each event applies once anyway).
* Inbound Parse: the same signature with its own key when ``PARLEY_SENDGRID_INBOUND_PUBLIC_KEY``
  is set; otherwise HTTP Basic credentials embedded in the Parse URL
  (``PARLEY_SENDGRID_INBOUND_USER``/``_PASSWORD``). Neither set: every request is refused.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import logging
from datetime import timedelta

from aiohttp import web
from aiohttp.typedefs import Handler

from channels.sendgrid_signature import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    is_fresh,
    is_valid_signature,
    load_public_key,
)
from gateway import clock
from gateway.appkeys import SETTINGS
from gateway.errors import Forbidden, PayloadTooLarge, Unauthorized
from gateway.webhooks.malformed import malformed_as_400

log = logging.getLogger("parley.webhooks.sendgrid")
# Parsed once per configured key, not on every request.
_public_key = functools.lru_cache(maxsize=4)(load_public_key)
RAW_BODY = web.RequestKey("sendgrid_raw_body", bytes)
MAX_AGE = timedelta(minutes=5)
EVENTS_MAX_BYTES = 16 * 1024 * 1024
# SendGrid accepts messages of up to 30 MB; the multipart around them adds a little.
INBOUND_MAX_BYTES = 31 * 1024 * 1024


async def read_raw(request: web.Request, limit: int) -> bytes:
    """The request body as sent, refused with 413 past ``limit`` bytes."""
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _check_signature(request: web.Request, key: str, body: bytes) -> None:
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    try:
        public_key = _public_key(key)
    except ValueError:
        log.error("the configured SendGrid public key is not a P-256 public key")
        raise Forbidden("the webhook cannot be verified", code="invalid_signature") from None
    if not is_valid_signature(public_key, signature, timestamp, body):
        log.warning("rejected a SendGrid webhook with a bad signature on %s", request.path)
        raise Forbidden("the SendGrid signature does not match", code="invalid_signature")
    if not is_fresh(timestamp, clock.utcnow(), max_age=MAX_AGE):
        log.warning("rejected a stale SendGrid webhook on %s", request.path)
        raise Forbidden("the SendGrid timestamp is too old", code="stale_timestamp")


def _check_basic(request: web.Request, user: str, password: str) -> None:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    try:
        given = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        given = ""
    if scheme.lower() != "basic" or not given:
        raise Unauthorized("HTTP Basic credentials required", code="missing_credentials")
    given_user, _, given_password = given.partition(":")
    # Both compared, always, so timing does not tell which was wrong.
    user_ok = hmac.compare_digest(given_user.encode(), user.encode())
    password_ok = hmac.compare_digest(given_password.encode(), password.encode())
    if not (user_ok and password_ok):
        log.warning("rejected an Inbound Parse request with wrong credentials")
        raise Forbidden("wrong credentials", code="invalid_credentials")


@web.middleware
async def sendgrid_signature(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The Event Webhook's scheme: a valid, fresh signature over the raw body."""
    key = request.config_dict[SETTINGS].sendgrid_webhook_public_key
    if not key:
        raise Forbidden("the SendGrid Event Webhook is not configured", code="not_configured")
    body = await read_raw(request, EVENTS_MAX_BYTES)
    _check_signature(request, key, body)
    request[RAW_BODY] = body
    return await malformed_as_400(request, handler)


@web.middleware
async def sendgrid_inbound(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Inbound Parse's scheme: SendGrid's signature when configured, else Basic credentials."""
    settings = request.config_dict[SETTINGS]
    key = settings.sendgrid_inbound_public_key
    user, password = settings.sendgrid_inbound_user, settings.sendgrid_inbound_password
    if key:
        body = await read_raw(request, INBOUND_MAX_BYTES)
        _check_signature(request, key, body)
    elif user and password is not None:
        _check_basic(request, user, password.get_secret_value())
        body = await read_raw(request, INBOUND_MAX_BYTES)
    else:
        raise Forbidden("SendGrid Inbound Parse is not configured", code="not_configured")
    request[RAW_BODY] = body
    return await malformed_as_400(request, handler)
