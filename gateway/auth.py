"""Authentication at the edge: every sub-application has exactly one scheme.

Routes are added to the sub-application of their scheme (``gateway.app``); the scheme's
middleware runs before any handler of that sub-application, so a route cannot exist without
authentication. The root application holds only the endpoints that are public by intent.
"""

from __future__ import annotations

import enum
import hmac
from collections.abc import Callable, Sequence

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from pydantic import SecretStr

from gateway.config import Settings
from gateway.errors import Unauthorized

SETTINGS = web.AppKey("settings", Settings)


class Scheme(enum.StrEnum):
    """How a caller proves who it is."""

    PUBLIC = "public"  # health, readiness, metrics and the OpenAPI document
    CORE_BEARER = "core_bearer"  # core systems: Authorization: Bearer <PARLEY_API_TOKENS>
    BOT_BEARER = "bot_bearer"  # the assistant's action server: Bearer <PARLEY_BOT_TOKEN>
    TWILIO_SIGNATURE = "twilio_signature"  # X-Twilio-Signature over the public URL


AUTH_SCHEME = web.AppKey("auth_scheme", Scheme)


def secured(scheme: Scheme, middleware: Middleware) -> web.Application:
    """A sub-application whose every route passes ``middleware`` first."""
    app = web.Application(middlewares=[middleware])
    app[AUTH_SCHEME] = scheme
    return app


def bearer(tokens: Callable[[Settings], Sequence[SecretStr]]) -> Middleware:
    """``Authorization: Bearer <token>`` against the tokens ``tokens`` names in settings.

    Compared in constant time, against every token, so timing does not tell which one nearly
    matched.
    """

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not presented:
            raise Unauthorized("missing bearer token", code="missing_token")
        matched = False
        for token in tokens(request.config_dict[SETTINGS]):
            matched |= hmac.compare_digest(presented.encode(), token.get_secret_value().encode())
        if not matched:
            raise Unauthorized("invalid bearer token", code="invalid_token")
        return await handler(request)

    return check


def core_tokens(settings: Settings) -> Sequence[SecretStr]:
    """The core systems' tokens; they open ``/v1`` and nothing else."""
    return settings.api_tokens


def bot_token(settings: Settings) -> Sequence[SecretStr]:
    """The bot's service token; it opens ``/v1/bot`` and nothing else."""
    return (settings.bot_token,)
