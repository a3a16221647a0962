"""The unsubscribe link of an email: a confirmation page, and the POST that unsubscribes.

``GET`` only shows the page with its button: mail scanners and link previews fetch every link
in a message, and none of them may unsubscribe anyone. ``POST`` revokes email consent for the
address at once, whether it comes from the page's button or from a mail client's one-click
unsubscribe (RFC 8058 posts ``List-Unsubscribe=One-Click``). The token in the path is the
sub-application's only credential (``gateway.records.unsubscribe``).
"""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp.typedefs import Handler

from gateway import clock
from gateway.appkeys import ENGINE, SETTINGS
from gateway.auth import Scheme, secured
from gateway.db.engine import reading
from gateway.pages.templating import setup_templates
from gateway.records.unsubscribe import message_of, recipient, unsubscribe

MESSAGE_ID = web.RequestKey("unsubscribe_message_id", str)
routes = web.RouteTableDef()
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
}


def _page(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    settings = request.config_dict[SETTINGS]
    context["collector_name"] = settings.collector_name
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    response.headers.update(SECURITY_HEADERS)
    return response


@web.middleware
async def unsubscribe_link(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The scheme: the token names the message it was minted for; any other gets a 404 page."""
    message_id = message_of(request.config_dict[SETTINGS], request.match_info.get("token", ""))
    if message_id is None:
        return _page(request, "unsubscribe_unknown.j2", status=404)
    request[MESSAGE_ID] = message_id
    return await handler(request)


@routes.get("/{token}")
async def confirm_page(request: web.Request) -> web.Response:
    """Which address would stop getting email, and the button that does it; changes nothing."""
    async with reading(request.config_dict[ENGINE]) as conn:
        found = await recipient(conn, request[MESSAGE_ID])
    if found is None:
        return _page(request, "unsubscribe_unknown.j2", status=404)
    return _page(request, "unsubscribe.j2", address=found.masked)


@routes.post("/{token}")
async def unsubscribe_now(request: web.Request) -> web.Response:
    """Unsubscribe the address; a mail client's one-click POST gets a bare 200."""
    form = await request.post()
    async with request.config_dict[ENGINE].begin() as conn:
        found = await recipient(conn, request[MESSAGE_ID])
        if found is not None:
            await unsubscribe(conn, found, request[MESSAGE_ID], clock.utcnow())
    if found is None:
        return _page(request, "unsubscribe_unknown.j2", status=404)
    if form.get("List-Unsubscribe") == "One-Click":
        return web.Response(text="unsubscribed\n")
    return _page(request, "unsubscribed.j2", address=found.masked)


def unsubscribe_pages() -> web.Application:
    """``/unsubscribe``: the pages behind an email's unsubscribe link."""
    app = secured(Scheme.UNSUBSCRIBE_LINK, unsubscribe_link)
    setup_templates(app)
    app.add_routes(routes)
    return app
