"""The agent console's part of the OpenAPI document: a session cookie from the login call, and
``X-CSRF-Token`` on every change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.agents.actions import AGENT_KINDS
from gateway.api import agent_schemas

_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
_SESSION: list[dict[str, list[str]]] = [{"agentSession": []}]
_CSRF = {"name": "X-CSRF-Token", "in": "header", "required": True, "schema": {"type": "string"}}
_PAGE = {"200": {"description": "HTML page", "content": {"text/html": {"schema": {}}}}}
MODELS = (
    agent_schemas.LoginIn,
    agent_schemas.TextIn,
    agent_schemas.AssignIn,
    agent_schemas.CannedIn,
)
SECURITY_SCHEMES = {
    "agentSession": {"type": "apiKey", "in": "cookie", "name": "parley_agent"},
}
_UPDATE = {
    "type": "object",
    "required": ["kind"],
    "properties": {"kind": {"enum": sorted(AGENT_KINDS)}},
    "additionalProperties": {"type": ["string", "number", "null"]},
}


_VALUES = {"type": "object", "additionalProperties": {"type": ["string", "number", "null"]}}


def agent_operations(op: Callable[..., dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every ``/agent`` path, with ``op`` building each JSON operation."""

    def session(summary: str, body: Any, ok: int, errors: tuple[int, ...]) -> dict[str, Any]:
        return op(summary, body, ok, (401, *errors)) | {"security": _SESSION}

    def change(summary: str, body: Any, ok: int, errors: tuple[int, ...]) -> dict[str, Any]:
        return session(summary, body, ok, (403, *errors)) | {"parameters": [_CSRF]}

    def action(summary: str, body: Any = None, ok: int = 200) -> dict[str, Any]:
        return {"parameters": _ID, "post": change(summary, body, ok, (404, 409, 422))}

    one = "/agent/api/conversations/{id}"
    return {
        "/agent/": {
            "get": {"summary": "The console (page)", "security": _SESSION, "responses": _PAGE}
        },
        "/agent/login": {"get": {"summary": "Login (page)", "security": [], "responses": _PAGE}},
        "/agent/static": {
            "get": {"summary": "The pages' scripts and styles", "security": [], "responses": _PAGE}
        },
        "/agent/ws": {
            "get": {
                "summary": "Live events (websocket; Origin must be this site)",
                "security": _SESSION,
                "responses": {"101": {"description": "switching protocols"}},
            }
        },
        "/agent/api/login": {
            "post": op("Agent login", agent_schemas.LoginIn, 200, (401, 422, 429), auth=False)
        },
        "/agent/api/logout": {"post": change("Agent logout", None, 200, ())},
        "/agent/api/agents": {"get": session("Supervisors: active agents", None, 200, (403,))},
        "/agent/api/conversations": {
            "get": session("The queue: ?view=waiting|mine|all", None, 200, (403, 422))
        },
        one: {"parameters": _ID, "get": session("A thread with its context", None, 200, (404,))},
        one + "/claim": action("Take the conversation (409 names the holder)"),
        one + "/release": action("Back to the waiting queue"),
        one + "/assign": action("Supervisors: give it to an agent", agent_schemas.AssignIn),
        one + "/messages": action("Reply through the policy layer", agent_schemas.TextIn, 202),
        one + "/notes": action("A private note", agent_schemas.TextIn, 201),
        one + "/typing": action("The holder is writing: a web chat shows it (nothing stored)"),
        one + "/updates": action("Record an account update", _UPDATE, 201),
        one + "/resolve": action("Close the conversation"),
        one + "/return-to-bot": action("The assistant answers the next message"),
        "/agent/api/attachments/{id}": {
            "parameters": _ID,
            "get": {
                "summary": "A file an email brought (always a download)",
                "security": _SESSION,
                "responses": {
                    "200": {
                        "description": "the file",
                        "content": {"application/octet-stream": {"schema": {}}},
                    },
                    "401": {"description": "no session"},
                    "404": {"description": "unknown, refused or missing file"},
                },
            },
        },
        "/agent/api/reviews": {
            "get": session("Transcript findings waiting for a decision", None, 200, ())
        },
        "/agent/api/reviews/{id}/confirm": action(
            "Record the finding (a body of raw values corrects it first)", _VALUES
        ),
        "/agent/api/reviews/{id}/discard": action("Record nothing; the entry is kept"),
        "/agent/api/canned-responses": {
            "get": session("Canned responses (?conversation_id= fills them in)", None, 200, (404,)),
            "post": change(
                "Supervisors: a new canned response", agent_schemas.CannedIn, 201, (422,)
            ),
        },
        "/agent/api/canned-responses/{id}": {
            "parameters": _ID,
            "put": change("Supervisors: edit", agent_schemas.CannedIn, 200, (404, 422)),
            "delete": change("Supervisors: delete", None, 204, (404,)),
        },
    }
