"""The edge: authentication, error mapping and request metrics."""

from __future__ import annotations

import hmac
import logging
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from gateway.appkeys import METRICS, SETTINGS
from gateway.errors import ParleyError, Unauthorized

log = logging.getLogger("parley.http")
PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/v1/openapi.json"})


def error_json(status: int, code: str, message: str, details: object = None) -> web.Response:
    """A response in the contract's error shape."""
    return web.json_response(
        {"error": {"code": code, "message": message, "details": details}}, status=status
    )


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Map Parley errors and HTTP exceptions to JSON bodies; never leak a stack trace."""
    try:
        return await handler(request)
    except ParleyError as exc:
        return web.json_response(exc.to_body(), status=exc.status)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = exc.reason.lower().replace(" ", "_")
        return error_json(exc.status, code, exc.text or exc.reason)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_json(500, "internal_error", "internal error")


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """``/v1/`` needs ``Authorization: Bearer <token>`` (constant-time compare).

    The bot's service token opens ``/v1/bot/`` and nothing else; core-system tokens open
    everything but ``/v1/bot/``, so neither side can act as the other.
    """
    if request.path in PUBLIC_PATHS or not request.path.startswith("/v1/"):
        return await handler(request)
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented:
        raise Unauthorized("missing bearer token", code="missing_token")
    settings = request.app[SETTINGS]
    is_bot = request.path.startswith("/v1/bot/")
    tokens = (settings.bot_token,) if is_bot else settings.api_tokens
    # Compare against every token so timing does not tell which one nearly matched.
    matched = False
    for token in tokens:
        matched |= hmac.compare_digest(presented.encode(), token.get_secret_value().encode())
    if not matched:
        raise Unauthorized("invalid bearer token", code="invalid_token")
    return await handler(request)


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count and time every request by route template (not raw path: refs are unbounded)."""
    started = time.perf_counter()
    response = await handler(request)
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else "unmatched"
    metrics = request.app[METRICS]
    metrics.http_requests.labels(route, request.method, str(response.status)).inc()
    metrics.http_latency.labels(route).observe(time.perf_counter() - started)
    return response
