"""Canned responses: every agent reads them (filled in for a conversation); supervisors write."""

from __future__ import annotations

from aiohttp import web

from gateway import clock
from gateway.agents.canned import delete_canned, list_canned, save_canned
from gateway.api.agent_schemas import CannedIn
from gateway.api.parsing import read_model
from gateway.appkeys import ENGINE, SETTINGS
from gateway.auth import AGENT
from gateway.conversations.store import load_conversation
from gateway.db.engine import reading
from gateway.records.accounts import first_name

routes = web.RouteTableDef()
CANNED = "/api/canned-responses"


@routes.get(CANNED)
async def list_all(request: web.Request) -> web.Response:
    """Every canned response; ``?conversation_id=`` also fills each in as ``text``."""
    settings = request.config_dict[SETTINGS]
    async with reading(request.config_dict[ENGINE]) as conn:
        variables = None
        if conversation_id := request.query.get("conversation_id"):
            conversation = await load_conversation(conn, conversation_id)
            variables = {
                "debtor_first_name": first_name(conversation.debtor_name) or "there",
                "collector_name": settings.collector_name,
            }
        found = await list_canned(conn, variables)
    return web.json_response({"canned_responses": found})


@routes.post(CANNED)
async def create(request: web.Request) -> web.Response:
    """A new canned response (supervisors)."""
    body = await read_model(request, CannedIn)
    async with request.config_dict[ENGINE].begin() as conn:
        saved = await save_canned(conn, request[AGENT], body.title, body.body, clock.utcnow())
    return web.json_response(saved, status=201)


@routes.put(CANNED + "/{id}")
async def edit(request: web.Request) -> web.Response:
    """Change a canned response (supervisors)."""
    body = await read_model(request, CannedIn)
    async with request.config_dict[ENGINE].begin() as conn:
        saved = await save_canned(
            conn, request[AGENT], body.title, body.body, clock.utcnow(), request.match_info["id"]
        )
    return web.json_response(saved)


@routes.delete(CANNED + "/{id}")
async def remove(request: web.Request) -> web.Response:
    """Delete a canned response (supervisors)."""
    async with request.config_dict[ENGINE].begin() as conn:
        await delete_canned(conn, request[AGENT], request.match_info["id"], clock.utcnow())
    return web.Response(status=204)
