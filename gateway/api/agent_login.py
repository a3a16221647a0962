"""Agents log in and out of the console (the session the rest of ``/agent`` requires), and
supervisors list them."""

from __future__ import annotations

from aiohttp import web

from gateway import clock
from gateway.agents.directory import authenticate, list_agents
from gateway.agents.sessions import COOKIE, FAILURE_WINDOW_SECONDS
from gateway.api.agent_schemas import LoginIn
from gateway.api.parsing import read_model
from gateway.appkeys import AGENT_SESSIONS, ENGINE, SETTINGS
from gateway.auth import AGENT, SESSION
from gateway.db.engine import reading
from gateway.errors import Forbidden, TooManyRequests, Unauthorized
from gateway.records import audit
from gateway.records.audit import SYSTEM_CHAIN, AuditEntry

routes = web.RouteTableDef()
WRONG = "wrong email or password"  # one answer for both, so it reveals no agent's email


@routes.post("/api/login")
async def login(request: web.Request) -> web.Response:
    """Check credentials and start a session: the cookie, and the CSRF token changes carry."""
    body = await read_model(request, LoginIn)
    store = request.config_dict[AGENT_SESSIONS]
    if await store.locked_out(body.email):
        raise TooManyRequests(
            f"too many failed logins for this email: wait {FAILURE_WINDOW_SECONDS // 60} minutes",
            code="login_locked",
        )
    now = clock.utcnow()
    async with request.config_dict[ENGINE].begin() as conn:
        agent = await authenticate(conn, body.email, body.password)
        if agent is not None:
            entry = AuditEntry(SYSTEM_CHAIN, "agent.login", now, {"agent_id": agent.id}, agent.id)
            await audit.append(conn, [entry])
    if agent is None:
        await store.count_failure(body.email)
        raise Unauthorized(WRONG, code="invalid_credentials")
    session = await store.start(agent.id)
    response = web.json_response({"agent": agent.public(), "csrf_token": session.csrf_token})
    settings = request.config_dict[SETTINGS]
    response.set_cookie(
        COOKIE,
        session.session_id,
        path="/agent",
        httponly=True,
        samesite="Strict",
        secure=settings.secure_cookies,
    )
    return response


@routes.post("/api/logout")
async def logout(request: web.Request) -> web.Response:
    """End the session on every replica at once (it lives in Redis)."""
    session, agent = request[SESSION], request[AGENT]
    await request.config_dict[AGENT_SESSIONS].end(session.session_id)
    async with request.config_dict[ENGINE].begin() as conn:
        entry = AuditEntry(
            SYSTEM_CHAIN, "agent.logout", clock.utcnow(), {"agent_id": agent.id}, agent.id
        )
        await audit.append(conn, [entry])
    response = web.json_response({"logged_out": True})
    response.del_cookie(COOKIE, path="/agent")
    return response


@routes.get("/api/agents")
async def agents(request: web.Request) -> web.Response:
    """Active agents, for a supervisor's assign control (supervisors only)."""
    if not request[AGENT].is_supervisor:
        raise Forbidden("only supervisors list agents", code="supervisors_only")
    async with reading(request.config_dict[ENGINE]) as conn:
        found = [agent.public() for agent in await list_agents(conn) if agent.active]
    return web.json_response({"agents": found})
