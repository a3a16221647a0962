"""The portal's part of the OpenAPI document: the core systems' link calls (bearer token) and
the debtor's pages, which a session cookie opens once a link's identity check has passed.
Forms carry the session's CSRF token in the field ``csrf_token``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.api import schemas

_REF = [{"name": "ref", "in": "path", "required": True, "schema": {"type": "string"}}]
_TOKEN = [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}]
_KIND = [{"name": "kind", "in": "path", "required": True, "schema": {"type": "string"}}]
_SESSION: list[dict[str, list[str]]] = [{"portalSession": []}]
SECURITY_SCHEMES = {
    "portalSession": {"type": "apiKey", "in": "cookie", "name": "parley_portal"},
}
MODELS = (schemas.PortalLinkIn,)
_HTML = {"text/html": {"schema": {"type": "string"}}}
_FORM = {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}


def _page(summary: str, *statuses: tuple[int, str], session: bool = True) -> dict[str, Any]:
    return {
        "summary": summary,
        "security": _SESSION if session else [],
        "responses": {
            str(code): {"description": description, "content": _HTML}
            for code, description in statuses
        },
    }


def _form(summary: str, *statuses: tuple[int, str], upload: bool = False) -> dict[str, Any]:
    content = _FORM | ({"multipart/form-data": {"schema": {"type": "object"}}} if upload else {})
    return _page(summary, *statuses, (401, "no session"), (403, "CSRF token missing")) | {
        "requestBody": {"required": True, "content": content}
    }


def portal_operations(op: Callable[..., dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``/v1/accounts/{ref}/portal-links`` and every ``/portal`` path."""
    return {
        "/v1/accounts/{ref}/portal-links": {
            "parameters": _REF,
            "post": op(
                "A new portal link for the account: {url, expires_at} (the URL is shown once)",
                schemas.PortalLinkIn,
                201,
                (401, 404, 422),
            ),
            "delete": op("Revoke every live link of the account", None, 200, (401, 404, 422)),
        },
        "/portal/{token}": {
            "parameters": _TOKEN,
            "get": _page(
                "A link's landing page: neutral, asks the identity fact, changes nothing",
                (200, "the identity check"),
                (404, "unknown, expired, revoked or locked link (all alike)"),
                session=False,
            ),
            "post": _page(
                "Answer the identity check: a session cookie and a redirect to the account",
                (303, "verified"),
                (403, "the form's check failed, or the link is now locked"),
                (404, "unknown, expired, revoked or locked link (all alike)"),
                (422, "the answer did not match or could not be read"),
                session=False,
            )
            | {"requestBody": {"required": True, "content": _FORM}},
        },
        "/portal/static": {"get": _page("The pages' styles and scripts", (200, ""), session=False)},
        "/portal/account": {
            "get": _page("The account, its validation information, messages and updates", (200, ""))
        },
        "/portal/actions/{kind}": {
            "parameters": _KIND,
            "get": _page("An action's form", (200, ""), (404, "no such action")),
            "post": _form(
                "Record the action as an account update (source portal)",
                (303, "recorded"),
                (422, "the form again, each problem by its field"),
                upload=True,
            ),
        },
        "/portal/preferences": {
            "get": _page("Contact preferences", (200, "")),
            "post": _form(
                "Stop or allow each address, language, preferred hours",
                (200, "saved"),
                (422, "the form again, each problem by its field"),
            ),
        },
        "/portal/chat": {"get": _page("The chat with the assistant", (200, ""))},
        "/portal/ws": {
            "get": {
                "summary": "The chat (websocket; Origin must be this site)",
                "security": _SESSION,
                "responses": {
                    "101": {"description": "switching protocols"},
                    "401": {"description": "no session"},
                    "403": {"description": "another site's page"},
                },
            }
        },
        "/portal/logout": {"post": _form("Sign out", (200, "signed out"))},
    }
