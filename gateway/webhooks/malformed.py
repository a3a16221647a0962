"""What every provider webhook does with a request that lacks what the provider always sends."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from channels.events import MalformedEvent
from gateway.errors import BadRequest


async def malformed_as_400(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Run ``handler``; a webhook that lacks what the provider always sends is a 400 naming
    the fields (after its signature was checked: a forgery never learns what is missing)."""
    try:
        return await handler(request)
    except MalformedEvent as exc:
        raise BadRequest(
            str(exc),
            code="missing_parameters",
            details=[{"field": name, "message": "missing or malformed"} for name in exc.fields],
        ) from None
