"""How every portal page is answered: its template with the neutral brand, and the headers
that keep it private (no framing, no referrer, nothing cached, nothing loaded from elsewhere)."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from gateway.appkeys import SETTINGS
from gateway.pages.agent_pages import SECURITY_HEADERS as AGENT_HEADERS

# The agent console's policy (nothing from elsewhere, no framing, nothing cached), and no
# referrer at all: a link's token is in the landing page's address.
SECURITY_HEADERS = AGENT_HEADERS | {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


def page(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    """A portal page with the portal's headers; ``brand`` is the neutral business name."""
    context.setdefault("brand", request.config_dict[SETTINGS].voice_business_name)
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    response.headers.update(SECURITY_HEADERS)
    return response
