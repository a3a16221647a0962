"""Dry-run policy evaluation: what would be decided, and why, without changing anything."""

from __future__ import annotations

from aiohttp import web

from gateway import clock
from gateway.api.parsing import parse_address, read_model
from gateway.api.schemas import EvaluateIn
from gateway.appkeys import ENGINE, SETTINGS
from gateway.db.engine import reading
from gateway.errors import NotFound
from gateway.outreach.decisions import decide
from gateway.outreach.snapshots import load_snapshots

routes = web.RouteTableDef()


@routes.post("/policy/evaluate")
async def post_evaluate(request: web.Request) -> web.Response:
    """Evaluate a proposed contact now (or at ``at``); pure dry run."""
    body = await read_model(request, EvaluateIn)
    address = None
    if body.address is not None:
        address = parse_address(body.channel, body.address, "address")
    at = body.at or clock.utcnow()
    async with reading(request.config_dict[ENGINE]) as conn:
        accounts = await load_snapshots(
            conn,
            now=at,
            refs=[body.account_ref],
            ruleset_override=request.config_dict[SETTINGS].ruleset,
        )
    account = accounts.get(body.account_ref)
    if account is None:
        raise NotFound(f"no account {body.account_ref!r}", code="account_not_found")
    evaluation = decide(
        account,
        body.channel,
        body.purpose,
        at,
        address=address,
        ruleset_override=request.config_dict[SETTINGS].ruleset,
    )
    contact = evaluation.contact
    return web.json_response(
        evaluation.decision.to_dict()
        | {
            "address": contact.address if contact else address,
            "ruleset": evaluation.ruleset.name,
        }
    )
