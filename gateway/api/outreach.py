"""Outreach requests from core systems: single, batch, and status."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select

from gateway.api.parsing import read_body, validate
from gateway.api.schemas import BatchItemIn, OutreachIn
from gateway.appkeys import COALESCER, ENGINE, SETTINGS
from gateway.clock import iso
from gateway.db.engine import reading
from gateway.db.tables import outreach, timeline
from gateway.errors import BadRequest, NotFound, ParleyError, ValidationFailed
from gateway.outreach.intake import IntakeRequest, request_hash

routes = web.RouteTableDef()


@routes.post("/outreach")
async def post_outreach(request: web.Request) -> web.Response:
    """Accept one outreach request under an ``Idempotency-Key``."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 255:
        raise BadRequest(
            "the Idempotency-Key header is required (1-255 characters)",
            code="idempotency_key_required",
            details=[{"field": "Idempotency-Key", "message": "missing or too long"}],
        )
    document = await read_body(request)
    body = validate(OutreachIn, document)
    answer = await request.config_dict[COALESCER].submit(
        IntakeRequest(key, body, request_hash(document))
    )
    if isinstance(answer, ParleyError):
        raise answer
    return web.json_response(answer, status=202)


@routes.post("/outreach/batch")
async def post_outreach_batch(request: web.Request) -> web.Response:
    """Accept up to ``batch_max_items`` requests; one result per item, in order."""
    document = await read_body(request)
    limit = request.config_dict[SETTINGS].batch_max_items
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= limit:
        raise ValidationFailed(
            f'the body must be {{"items": [...]}} with 1 to {limit} items',
            details=[{"field": "items", "message": f"expected a list of 1 to {limit} items"}],
        )
    results: list[Any] = [None] * len(items)
    requests: list[IntakeRequest] = []
    positions: list[int] = []
    for i, item in enumerate(items):
        try:
            parsed = validate(BatchItemIn, item, prefix=f"items.{i}.")
        except ParleyError as exc:
            results[i] = exc
            continue
        document_without_key = {k: v for k, v in item.items() if k != "idempotency_key"}
        body = OutreachIn.model_validate(document_without_key)
        requests.append(
            IntakeRequest(parsed.idempotency_key, body, request_hash(document_without_key))
        )
        positions.append(i)
    if requests:
        accepted = await request.config_dict[COALESCER].accept_now(requests)
        for i, answer in zip(positions, accepted.answers, strict=True):
            results[i] = answer
    return web.json_response({"results": [_item_result(r) for r in results]}, status=200)


def _item_result(answer: dict[str, Any] | ParleyError) -> dict[str, Any]:
    if isinstance(answer, ParleyError):
        return {"status": "rejected", **answer.to_body()}
    return answer


@routes.get("/outreach/{id}")
async def get_outreach(request: web.Request) -> web.Response:
    """Status of an outreach request and its timeline."""
    oid = request.match_info["id"]
    async with reading(request.config_dict[ENGINE]) as conn:
        row = (await conn.execute(select(outreach).where(outreach.c.id == oid))).first()
        if row is None:
            raise NotFound(f"no outreach {oid!r}", code="outreach_not_found")
        events = await conn.execute(
            select(timeline).where(timeline.c.outreach_id == oid).order_by(timeline.c.id)
        )
        return web.json_response(
            {
                "id": row.id,
                "status": row.status,
                "channel": row.resolved_channel,
                "requested_channel": row.channel,
                "template": row.template,
                "purpose": row.purpose,
                "decision": row.decision,
                "not_before": iso(row.not_before),
                "created_at": iso(row.created_at),
                "updated_at": iso(row.updated_at),
                "timeline": [
                    {
                        "status": e.status,
                        "at": iso(e.at),
                        "message_id": e.message_id,
                        "detail": e.detail,
                    }
                    for e in events
                ],
            }
        )
