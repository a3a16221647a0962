"""Every route belongs to a sub-application with exactly one authentication scheme; the few
public ones are public by intent. Proven by walking the router and by calling every route."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp import web
from aiohttp.web_urldispatcher import PrefixedSubAppResource

from gateway.app import init_app
from gateway.auth import AUTH_SCHEME, Scheme
from gateway.config import Settings

PUBLIC = {"/healthz", "/readyz", "/metrics", "/v1/openapi.json"}
# What a request without credentials gets from each scheme.
REFUSAL = {
    Scheme.CORE_BEARER: 401,
    Scheme.BOT_BEARER: 401,
    Scheme.TWILIO_SIGNATURE: 403,
    Scheme.AGENT_SESSION: 401,
    Scheme.SENDGRID_SIGNATURE: 403,
    Scheme.SENDGRID_INBOUND: 403,
    Scheme.UNSUBSCRIBE_LINK: 404,
    Scheme.PORTAL_SESSION: 401,
}
# Where a session starts: the agents' login page and call, a portal link's landing page, and
# the static files they load.
SESSION_OPENERS = {
    "/agent/login",
    "/agent/api/login",
    "/agent/static",
    "/portal/{token}",
    "/portal/static",
}
AGENT_PAGES = {"/agent/"}


def routes_by_scheme(app: web.Application) -> list[tuple[Scheme, str, str]]:
    """(scheme, method, path) of every route, walking sub-applications."""
    found = []
    for resource in app.router.resources():
        if isinstance(resource, PrefixedSubAppResource):
            sub = resource.get_info()["app"]
            assert AUTH_SCHEME in sub, f"{resource.canonical} has no authentication scheme"
            assert len(sub.middlewares) == 1, f"{resource.canonical}: one scheme, one middleware"
            for route in sub.router.routes():
                found.append((sub[AUTH_SCHEME], route.method, route.resource.canonical))
        else:
            for route in resource:
                found.append((app[AUTH_SCHEME], route.method, resource.canonical))
    return [(scheme, method, path) for scheme, method, path in found if method != "HEAD"]


def test_every_route_has_exactly_one_scheme_and_only_the_intended_ones_are_public(
    settings: Settings,
) -> None:
    found = routes_by_scheme(init_app(settings))
    paths = [path for _, _, path in found]
    assert len(paths) == len(set((m, p) for _, m, p in found))
    public = {path for scheme, _, path in found if scheme is Scheme.PUBLIC}
    assert public == PUBLIC
    schemes = {scheme for scheme, _, _ in found}
    assert schemes == {Scheme.PUBLIC, *REFUSAL}
    for scheme, _, path in found:
        prefix = {
            Scheme.CORE_BEARER: "/v1/",
            Scheme.BOT_BEARER: "/v1/bot/",
            Scheme.TWILIO_SIGNATURE: "/webhooks/twilio/",
            Scheme.AGENT_SESSION: "/agent/",
            Scheme.SENDGRID_SIGNATURE: "/webhooks/sendgrid/events",
            Scheme.SENDGRID_INBOUND: "/webhooks/sendgrid/inbound",
            Scheme.UNSUBSCRIBE_LINK: "/unsubscribe/",
            Scheme.PORTAL_SESSION: "/portal/",
        }.get(scheme)
        if prefix is not None:
            assert path.startswith(prefix), (scheme, path)
    assert not any(p.startswith("/v1/bot/") for s, _, p in found if s is Scheme.CORE_BEARER)


async def test_no_route_answers_without_its_credentials(settings: Settings, gateway: Any) -> None:
    client = await gateway(settings, token=None)
    for scheme, method, path in routes_by_scheme(client.app):
        url = re.sub(r"\{[^}]+\}", "x", path)
        response = await client.request(method, url, allow_redirects=False)
        if scheme is Scheme.PUBLIC:
            assert response.status < 400 or path == "/readyz", (method, path, response.status)
        elif path in SESSION_OPENERS:
            assert response.status != 401, (method, path)  # they answer, or refuse the input
        elif path in AGENT_PAGES:
            assert response.status == 303, (method, path, response.status)  # to the login page
        else:
            assert response.status == REFUSAL[scheme], (method, path, response.status)


@pytest.mark.parametrize(
    ("token", "path", "status"),
    [
        ("test-token", "/v1/bot/conversations/x", 401),  # a core token opens nothing of the bot
        ("parley-dev-bot-token", "/v1/accounts/A-1", 401),  # nor the bot's anything of /v1
        ("parley-dev-bot-token", "/v1/bot/conversations/x", 404),
        ("test-token", "/v1/accounts/A-1", 404),
    ],
)
async def test_each_token_opens_its_own_door_only(
    settings: Settings, gateway: Any, token: str, path: str, status: int
) -> None:
    client = await gateway(settings, token=token)
    assert (await client.get(path)).status == status
