"""The console's review queue: transcript findings a person confirms, corrects or discards."""

from __future__ import annotations

from aiohttp import web

from gateway import clock
from gateway.api.agent_schemas import raw_values
from gateway.api.parsing import read_body
from gateway.appkeys import ENGINE, REDIS, SETTINGS
from gateway.auth import AGENT
from gateway.db.engine import reading
from gateway.errors import NotFound
from gateway.recordings import reviews

routes = web.RouteTableDef()
ONE = "/api/reviews/{id}"


@routes.get("/api/reviews")
async def pending(request: web.Request) -> web.Response:
    """What waits for a decision, oldest first."""
    async with reading(request.config_dict[ENGINE]) as conn:
        found = await reviews.pending_reviews(conn)
    return web.json_response({"reviews": found})


@routes.post(ONE + "/confirm")
async def confirm(request: web.Request) -> web.Response:
    """Record the finding; a body of raw values (``{"amount": "150"}``) corrects it first."""
    corrections = raw_values(await read_body(request) if request.can_read_body else {})
    settings = request.config_dict[SETTINGS]
    async with request.config_dict[ENGINE].begin() as conn:
        body, after = await reviews.confirm(
            conn, _review_id(request), corrections, request[AGENT], settings, clock.utcnow()
        )
    await after.flush(request.config_dict[REDIS], settings)
    return web.json_response(body)


@routes.post(ONE + "/discard")
async def discard(request: web.Request) -> web.Response:
    """Record nothing; the entry stays, with who discarded it."""
    async with request.config_dict[ENGINE].begin() as conn:
        body = await reviews.discard(conn, _review_id(request), request[AGENT], clock.utcnow())
    return web.json_response(body)


def _review_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise NotFound(f"no review {raw!r}", code="review_not_found")
    return int(raw)
