"""The agent console's pages: the login form and the console, rendered on the server
(aiohttp-jinja2) and driven by small ES modules in ``static/`` that call the console's JSON API.

The console page carries the session's CSRF token in a ``<meta>`` element; the scripts send it
as ``X-CSRF-Token`` on every change. Pages answer with a strict Content-Security-Policy: only
this site's own scripts, styles and connections (the live socket included).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from gateway.auth import AGENT, SESSION
from gateway.pages.templating import setup_templates

STATIC_DIR = Path(__file__).parent / "static"
routes = web.RouteTableDef()

# The pages load nothing from elsewhere and may not be framed; 'self' covers the same-origin
# websocket in connect-src.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # The console holds personal data and the CSRF token: never kept by caches.
    "Cache-Control": "no-store",
}


@dataclass(frozen=True, slots=True)
class UpdateField:
    """One input of the update form; ``name`` is the API's field name."""

    name: str
    label: str
    hint: str = ""
    options: tuple[tuple[str, str], ...] = ()
    multiline: bool = False
    required: bool = False


@dataclass(frozen=True, slots=True)
class UpdateKind:
    """An account update an agent may record, with its fields (the API's ``kind``)."""

    kind: str
    label: str
    fields: tuple[UpdateField, ...]


AMOUNT_HINT = "For example 50 or $50.00"
DATE_HINT = "For example 2026-04-15 or next Friday"
FREQUENCIES = (
    ("weekly", "Weekly"),
    ("biweekly", "Every two weeks"),
    ("semimonthly", "Twice a month"),
    ("monthly", "Monthly"),
)
HARDSHIP_TYPES = (
    ("job_loss", "Job loss"),
    ("medical", "Medical"),
    ("divorce", "Divorce"),
    ("death_in_family", "Death in the family"),
    ("disability", "Disability"),
    ("natural_disaster", "Natural disaster"),
    ("other", "Other"),
)
UPDATE_KINDS = (
    UpdateKind(
        "promise_to_pay",
        "Promise to pay",
        (
            UpdateField("amount", "Amount", AMOUNT_HINT, required=True),
            UpdateField("date", "Payment date", DATE_HINT, required=True),
        ),
    ),
    UpdateKind(
        "payment_plan_request",
        "Payment plan request",
        (
            UpdateField("amount", "Instalment amount", AMOUNT_HINT),
            UpdateField("frequency", "Frequency", options=FREQUENCIES),
            UpdateField("start_date", "First payment date", DATE_HINT),
        ),
    ),
    UpdateKind("dispute", "Dispute", (UpdateField("reason", "Reason", multiline=True),)),
    UpdateKind(
        "hardship",
        "Hardship",
        (
            UpdateField("hardship_type", "Hardship type", options=HARDSHIP_TYPES),
            UpdateField("detail", "Detail", multiline=True),
        ),
    ),
    UpdateKind(
        "callback_request",
        "Callback request",
        (UpdateField("when", "When to call back", "For example tomorrow or 2026-04-15"),),
    ),
    UpdateKind(
        "cease_request",
        "Cease communication request",
        (UpdateField("detail", "Detail", multiline=True),),
    ),
    UpdateKind(
        "agent_note", "Note for the creditor", (UpdateField("text", "Text", multiline=True),)
    ),
)


def _static(request: web.Request, filename: str) -> str:
    """The URL of a static file, with its content hash so a new release is fetched anew."""
    resource = request.app.router["static"]
    return str(resource.url_for(filename=filename))


def _render(template: str, request: web.Request, context: dict[str, Any]) -> web.Response:
    response = aiohttp_jinja2.render_template(template, request, context)
    response.headers.update(SECURITY_HEADERS)
    return response


@routes.get("/login")
async def login_page(request: web.Request) -> web.Response:
    """The login form (it posts JSON to ``/agent/api/login``, then opens the console)."""
    return _render(
        "agent_login.j2",
        request,
        {
            "stylesheet": _static(request, "agent.css"),
            "script": _static(request, "agent_login.js"),
        },
    )


@routes.get("/")
async def console_page(request: web.Request) -> web.Response:
    """The console: the queue, the open conversation, its account and what to do in it."""
    agent = request[AGENT]
    return _render(
        "agent_console.j2",
        request,
        {
            "agent": agent,
            "csrf_token": request[SESSION].csrf_token,
            "update_kinds": UPDATE_KINDS,
            "stylesheet": _static(request, "agent.css"),
            "script": _static(request, "agent_console.js"),
        },
    )


def setup_pages(app: web.Application) -> None:
    """Add the pages and their static files to the console's sub-application."""
    setup_templates(app)
    app.add_routes(routes)
    app.router.add_static("/static", STATIC_DIR, name="static", append_version=True)
