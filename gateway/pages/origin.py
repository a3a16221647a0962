"""Which pages may open this site's websockets: browsers send cookies with a websocket's
handshake whatever page opens it, so the socket checks the page's Origin itself."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from gateway.appkeys import SETTINGS


def origin_allowed(request: web.Request) -> bool:
    """Whether the browser's Origin is this host or PARLEY_PUBLIC_URL (behind a proxy the
    host the gateway sees may differ from the one the browser shows). No Origin: refused."""
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    allowed = {f"{request.scheme}://{request.host}"}
    public_url = request.config_dict[SETTINGS].public_url
    if public_url is not None:
        parts = urlsplit(str(public_url))
        allowed.add(f"{parts.scheme}://{parts.netloc}")
    return origin in allowed
