"""Dry-run policy evaluation: what would be decided, and why, without changing anything."""

from __future__ import annotations

from aiohttp import web

from gateway import clock
from gateway.api.parsing import read_model
from gateway.api.schemas import EvaluateIn, normalise_address
from gateway.appkeys import ENGINE
from gateway.errors import NotFound, ValidationFailed
from gateway.facts import load_snapshots
from policies import evaluate

routes = web.RouteTableDef()


@routes.post("/v1/policy/evaluate")
async def post_evaluate(request: web.Request) -> web.Response:
    """Evaluate a proposed contact now (or at ``at``); pure dry run."""
    body = await read_model(request, EvaluateIn)
    address = None
    if body.address is not None:
        try:
            address = normalise_address(body.channel, body.address)
        except ValueError as exc:
            raise ValidationFailed(
                f"invalid field address: {exc}", details=[{"field": "address", "message": str(exc)}]
            ) from None
    async with request.app[ENGINE].connect() as conn:
        accounts = await load_snapshots(conn, refs=[body.account_ref])
    account = accounts.get(body.account_ref)
    if account is None:
        raise NotFound(f"no account {body.account_ref!r}", code="account_not_found")
    contact = account.contact_for(body.channel, address)
    facts = account.facts(body.channel, body.purpose, contact)
    decision = evaluate(facts, body.at or clock.utcnow())
    return web.json_response(
        decision.to_dict() | {"address": contact.address if contact else address}
    )
