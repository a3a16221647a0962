"""Dry-run policy evaluation: what would be decided, and why, without changing anything."""

from __future__ import annotations

from aiohttp import web

from gateway import clock
from gateway.api.parsing import parse_address, read_model
from gateway.api.schemas import EvaluateIn
from gateway.appkeys import ENGINE, SETTINGS, TEMPLATES
from gateway.db.engine import reading
from gateway.errors import NotFound
from gateway.outreach.composing import compose
from gateway.outreach.decisions import decide
from gateway.outreach.rulesets import ruleset_for
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
    settings = request.config_dict[SETTINGS]
    composed = None
    if body.template is not None:
        templates = request.config_dict[TEMPLATES]
        templates.require(body.channel, body.template)
        ruleset = ruleset_for(account.collector_type, settings.ruleset)
        composed = compose(
            templates,
            account,
            body.channel,
            body.template,
            body.variables,
            body.purpose,
            ruleset,
            settings,
            at,
        )
    evaluation = decide(
        account,
        body.channel,
        body.purpose,
        at,
        address=address,
        ruleset_override=settings.ruleset,
        message=composed.message if composed else None,
    )
    contact = evaluation.contact
    answer = evaluation.decision.to_dict() | {
        "address": contact.address if contact else address,
        "ruleset": evaluation.ruleset.name,
    }
    if composed is not None:
        answer["message"] = {
            "template": body.template,
            "kind": composed.message.kind,
            "initial": composed.message.initial,
            "subject": composed.rendered.subject,
            "text": composed.rendered.body,
        }
    return web.json_response(answer)
