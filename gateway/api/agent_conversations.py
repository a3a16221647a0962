"""The console's conversation API: the queue, one thread, and what agents do in it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway import clock
from gateway.agents import actions, claims
from gateway.agents.actions import Done
from gateway.agents.directory import Agent
from gateway.agents.queue import VIEWS, list_conversations
from gateway.agents.thread import read_thread
from gateway.api.agent_schemas import AssignIn, TextIn, update_fields
from gateway.api.parsing import read_body, read_model
from gateway.appkeys import ENGINE, REDIS, SETTINGS
from gateway.auth import AGENT
from gateway.conversations.after_commit import AfterCommit
from gateway.conversations.agent_events import TYPING, AgentEvent, publish
from gateway.conversations.attachments import kept_file
from gateway.conversations.store import load_conversation
from gateway.db.engine import reading
from gateway.errors import NotFound, ValidationFailed
from gateway.messages.statuses import OutboundStatus
from gateway.worker.jobs import enqueue_message

routes = web.RouteTableDef()
ONE = "/api/conversations/{id}"
Work = Callable[[AsyncConnection, Any, Agent, datetime], Awaitable[Done | AgentEvent]]


@routes.get("/api/conversations")
async def queue(request: web.Request) -> web.Response:
    """``?view=waiting|mine|all``: waiting ones oldest first; ``all`` for supervisors."""
    view = request.query.get("view", "waiting")
    if view not in VIEWS:
        raise ValidationFailed(
            f"view must be one of {', '.join(VIEWS)}",
            details=[{"field": "view", "message": "unknown view"}],
        )
    async with request.config_dict[ENGINE].connect() as conn:
        found = await list_conversations(conn, view, request[AGENT])
    return web.json_response({"conversations": found})


@routes.get(ONE)
async def thread(request: web.Request) -> web.Response:
    """The thread across channels, notes, updates, the account panel, the reply decision."""
    settings = request.config_dict[SETTINGS]
    async with request.config_dict[ENGINE].begin() as conn:
        found = await read_thread(conn, request.match_info["id"], settings, clock.utcnow())
    return web.json_response(found)


@routes.get("/api/attachments/{id}")
async def attachment(request: web.Request) -> web.FileResponse:
    """A kept file, always as a download: never shown inline, never sniffed as something else."""
    async with reading(request.config_dict[ENGINE]) as conn:
        found = await kept_file(conn, request.match_info["id"], request.config_dict[SETTINGS])
    if found is None:
        raise NotFound("no such file", code="unknown_attachment")
    row, path = found
    fallback = row.filename.encode("ascii", "replace").decode("ascii").replace("?", "_")
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(row.filename)}"
    return web.FileResponse(
        path,
        headers={
            "Content-Type": "application/octet-stream",
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "no-store",
        },
    )


async def _act(request: web.Request, work: Work, status: int = 200) -> web.Response:
    """Run an agent's action in one transaction, then start what it set going."""
    settings = request.config_dict[SETTINGS]
    async with request.config_dict[ENGINE].begin() as conn:
        outcome = await work(conn, request.match_info["id"], request[AGENT], clock.utcnow())
    if isinstance(outcome, AgentEvent):
        after, body = (
            AfterCommit(events=[outcome]),
            {"id": outcome.conversation_id, **outcome.fields},
        )
    else:
        after, body = outcome.after, outcome.body
        prepared = outcome.prepared
        if prepared is not None and prepared.status is OutboundStatus.DEFERRED:
            await enqueue_message(
                request.config_dict[REDIS], prepared.message_id, prepared.not_before
            )
    await after.flush(request.config_dict[REDIS], settings)
    return web.json_response(body, status=status)


@routes.post(ONE + "/claim")
async def claim(request: web.Request) -> web.Response:
    """Take the conversation; 409 naming the holder when someone else has it."""
    return await _act(request, claims.claim)


@routes.post(ONE + "/release")
async def release(request: web.Request) -> web.Response:
    """Back to the waiting queue."""
    return await _act(request, claims.release)


@routes.post(ONE + "/assign")
async def assign(request: web.Request) -> web.Response:
    """A supervisor gives the conversation to an agent."""
    body = await read_model(request, AssignIn)
    return await _act(
        request, lambda conn, cid, agent, now: claims.assign(conn, cid, body.agent_id, agent, now)
    )


@routes.post(ONE + "/resolve")
async def resolve(request: web.Request) -> web.Response:
    """Close the conversation."""
    return await _act(request, claims.resolve)


@routes.post(ONE + "/return-to-bot")
async def return_to_bot(request: web.Request) -> web.Response:
    """The assistant answers the debtor's next message."""
    return await _act(request, claims.return_to_bot)


@routes.post(ONE + "/messages")
async def reply(request: web.Request) -> web.Response:
    """A reply on the conversation's channel, through the policy layer (holder only)."""
    body = await read_model(request, TextIn)
    settings = request.config_dict[SETTINGS]

    async def work(conn: AsyncConnection, cid: str, agent: Agent, now: datetime) -> Done:
        conversation = await claims.held_by(conn, cid, agent)
        return await actions.reply(conn, conversation, body.text, agent, settings, now)

    return await _act(request, work, status=202)


@routes.post(ONE + "/typing")
async def typing(request: web.Request) -> web.Response:
    """The holder is writing a reply: the debtor's web chat shows it (nothing is stored)."""
    conversation_id = request.match_info["id"]
    async with reading(request.config_dict[ENGINE]) as conn:
        await claims.held_by(conn, conversation_id, request[AGENT], lock=False)
    await publish(request.config_dict[REDIS], AgentEvent(TYPING, conversation_id))
    return web.json_response({"typing": True})


@routes.post(ONE + "/notes")
async def note(request: web.Request) -> web.Response:
    """A private note: agents read it, the debtor never does."""
    body = await read_model(request, TextIn)

    async def work(conn: AsyncConnection, cid: str, agent: Agent, now: datetime) -> Done:
        conversation = await load_conversation(conn, cid, lock=True)
        return await actions.note(conn, conversation, body.text, agent, now)

    return await _act(request, work, status=201)


@routes.post(ONE + "/updates")
async def record_update(request: web.Request) -> web.Response:
    """What the debtor agreed or asked for, recorded and delivered as the bot's updates are."""
    kind, values = update_fields(await read_body(request))
    settings = request.config_dict[SETTINGS]

    async def work(conn: AsyncConnection, cid: str, agent: Agent, now: datetime) -> Done:
        conversation = await claims.held_by(conn, cid, agent)
        return await actions.record(conn, conversation, kind, values, agent, settings, now)

    return await _act(request, work, status=201)
