"""The edge for every request: error mapping and request metrics (authentication is per
sub-application: ``gateway.auth``)."""

from __future__ import annotations

import logging
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from gateway.appkeys import METRICS
from gateway.errors import ParleyError

log = logging.getLogger("parley.http")


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
        # The route's template, never the path: paths carry link tokens and account refs.
        log.exception("unhandled error on %s %s", request.method, _route(request))
        return error_json(500, "internal_error", "internal error")


def _route(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count and time every request by route template (not raw path: refs are unbounded)."""
    started = time.perf_counter()
    response = await handler(request)
    route = _route(request)
    metrics = request.config_dict[METRICS]
    metrics.http_requests.labels(route, request.method, str(response.status)).inc()
    metrics.http_latency.labels(route).observe(time.perf_counter() - started)
    return response
