"""The OpenAPI document, built from the request models and checked against the router."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel

from gateway.api import schemas
from gateway.api.openapi_agent import MODELS as agent_models
from gateway.api.openapi_agent import SECURITY_SCHEMES as agent_security
from gateway.api.openapi_agent import agent_operations
from gateway.api.openapi_email import email_operations
from gateway.api.openapi_portal import MODELS as portal_models
from gateway.api.openapi_portal import SECURITY_SCHEMES as portal_security
from gateway.api.openapi_portal import portal_operations
from gateway.api.openapi_recordings import MODELS as recording_models
from gateway.api.openapi_recordings import recording_operations

routes = web.RouteTableDef()

_ERROR = {"$ref": "#/components/schemas/Error"}
_OBJECT = {"type": "object"}


def _op(
    summary: str,
    body: type[BaseModel] | dict[str, Any] | None,
    ok: int,
    errors: tuple[int, ...],
    *,
    auth: bool = True,
    headers: tuple[str, ...] = (),
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {
            str(ok): {
                "description": "success",
                "content": {"application/json": {"schema": _OBJECT}},
            }
        }
        | {
            str(code): {"description": "error", "content": {"application/json": {"schema": _ERROR}}}
            for code in errors
        },
    }
    if body is not None:
        schema = (
            {"$ref": f"#/components/schemas/{body.__name__}"} if isinstance(body, type) else body
        )
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    if not auth:
        op["security"] = []
    if headers:
        op["parameters"] = [
            {
                "name": h,
                "in": "header",
                "required": True,
                "schema": {"type": "string", "maxLength": 255},
            }
            for h in headers
        ]
    return op


def _twilio(summary: str, *, twiml: bool) -> dict[str, Any]:
    """A Twilio webhook: form-encoded, signed with X-Twilio-Signature instead of a token."""
    ok = (
        {"200": {"description": "TwiML", "content": {"text/xml": {"schema": {"type": "string"}}}}}
        if twiml
        else {"204": {"description": "applied (or already applied)"}}
    )
    errors = {
        str(code): {"description": "error", "content": {"application/json": {"schema": _ERROR}}}
        for code in (400, 403)
    }
    return {
        "summary": summary,
        "security": [],
        "parameters": [
            {"name": "X-Twilio-Signature", "in": "header", "required": True, "schema": _STRING}
        ],
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": _OBJECT}},
        },
        "responses": ok | errors,
    }


_STRING = {"type": "string"}
_REF = [{"name": "ref", "in": "path", "required": True, "schema": {"type": "string"}}]
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
_UPDATES_PAGING = (
    "Answers {updates, next, has_more}. next is never null: pass it back as after to get the "
    "following page, or to poll for new updates when the page was empty. Cursors are opaque."
)
_UPDATES_QUERY = [
    {"name": "after", "in": "query", "required": False, "schema": {"type": "string"}},
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100},
    },
]
_BATCH = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "items": {
            "type": "array",
            "minItems": 1,
            "maxItems": 1000,
            "items": {"$ref": "#/components/schemas/BatchItemIn"},
        }
    },
}

# The bot API takes the bot's service token (PARLEY_BOT_TOKEN), not a core-system token.
_BOT = (401, 404, 422)
_BOT_DEBT = (401, 403, 404, 422)

OPERATIONS: dict[str, dict[str, Any]] = {
    "/v1/accounts/{ref}": {
        "parameters": _REF,
        "put": _op("Create or update an account", schemas.AccountIn, 200, (401, 422)),
        "get": _op("Read an account", None, 200, (401, 404, 422)),
    },
    "/v1/accounts/{ref}/updates": {
        "parameters": _REF,
        "get": _op("Account updates, oldest first", None, 200, (401, 404, 422))
        | {"description": _UPDATES_PAGING, "parameters": _UPDATES_QUERY},
    },
    "/v1/accounts/{ref}/contact-events": {
        "parameters": _REF,
        "post": _op("Import contact history", schemas.ContactEventsIn, 201, (401, 404, 422)),
    },
    "/v1/policy/evaluate": {
        "post": _op("Dry-run policy decision", schemas.EvaluateIn, 200, (401, 404, 422)),
    },
    "/v1/outreach": {
        "post": _op(
            "Request an outreach",
            schemas.OutreachIn,
            202,
            (400, 401, 404, 409, 422),
            headers=("Idempotency-Key",),
        ),
    },
    "/v1/outreach/batch": {
        "post": _op("Request many outreach items", _BATCH, 200, (401, 422)),
    },
    "/v1/outreach/{id}": {
        "parameters": _ID,
        "get": _op("Outreach status and timeline", None, 200, (401, 404)),
    },
    "/v1/messages/inbound": {
        "post": _op("Take a consumer's inbound message", schemas.InboundIn, 202, (401, 422)),
    },
    "/v1/conversations/{id}": {
        "parameters": _ID,
        "get": _op("A conversation thread with its messages and updates", None, 200, (401, 404)),
    },
    "/v1/bot/conversations/{id}": {
        "parameters": _ID,
        "get": _op("Bot API: conversation state (account only once verified)", None, 200, _BOT),
    },
    "/v1/bot/conversations/{id}/verify": {
        "parameters": _ID,
        "post": _op("Bot API: check a verification fact", schemas.BotVerifyIn, 200, _BOT),
    },
    "/v1/bot/conversations/{id}/normalize": {
        "parameters": _ID,
        "post": _op(
            "Bot API: parse and validate amount and date", schemas.BotNormalizeIn, 200, _BOT_DEBT
        ),
    },
    "/v1/bot/conversations/{id}/updates": {
        "parameters": _ID,
        "post": _op("Bot API: record an account update", schemas.BotUpdateIn, 201, _BOT_DEBT),
    },
    "/webhooks/twilio/sms": {"post": _twilio("Twilio: an inbound SMS", twiml=True)},
    "/webhooks/twilio/status": {"post": _twilio("Twilio: message status callback", twiml=False)},
    "/webhooks/twilio/voice": {"post": _twilio("Twilio: a call starts (IVR)", twiml=True)},
    "/webhooks/twilio/voice/gather": {
        "post": _twilio("Twilio: the caller answered an IVR prompt", twiml=True)
    },
    "/webhooks/twilio/voice/recording": {
        "post": _twilio("Twilio: recording status callback", twiml=False)
    },
    "/webhooks/twilio/voice/status": {"post": _twilio("Twilio: call status callback", twiml=False)},
    "/healthz": {"get": _op("Liveness", None, 200, (), auth=False)},
    "/readyz": {"get": _op("Readiness (database and Redis)", None, 200, (503,), auth=False)},
    "/metrics": {"get": _op("Prometheus metrics", None, 200, (), auth=False)},
    "/v1/openapi.json": {"get": _op("This document", None, 200, (), auth=False)},
}


def build_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    components: dict[str, Any] = {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "details": {},
                    },
                }
            },
        }
    }
    for model in (
        schemas.AccountIn,
        schemas.ContactEventsIn,
        schemas.EvaluateIn,
        schemas.OutreachIn,
        schemas.BatchItemIn,
        schemas.InboundIn,
        schemas.BotVerifyIn,
        schemas.BotNormalizeIn,
        schemas.BotUpdateIn,
        *agent_models,
        *portal_models,
        *recording_models,
    ):
        schema = schemas.schema_of(model)
        components.update(schema.pop("$defs", {}))
        components[model.__name__] = schema
    return {
        "openapi": "3.1.0",
        "info": {"title": "Parley", "version": "1"},
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}
            | agent_security
            | portal_security,
        },
        "security": [{"bearer": []}],
        "paths": OPERATIONS
        | email_operations()
        | agent_operations(_op)
        | portal_operations(_op)
        | recording_operations(_op),
    }


@routes.get("/v1/openapi.json")
async def openapi(_request: web.Request) -> web.Response:
    """Serve the OpenAPI document."""
    return web.json_response(build_document())
