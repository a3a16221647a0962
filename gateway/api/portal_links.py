"""Portal links for core systems: mint one for an account (to send it themselves), or revoke
every link of an account (a lost phone, a wrong number, a closed account)."""

from __future__ import annotations

from aiohttp import web

from gateway import clock
from gateway.api.accounts import account_ref
from gateway.api.parsing import read_body, validate
from gateway.api.schemas import PortalLinkIn
from gateway.appkeys import ENGINE, SETTINGS
from gateway.clock import iso
from gateway.portal.links import mint_link, revoke_links
from gateway.records.accounts import find_account_id

routes = web.RouteTableDef()
LINKS = "/accounts/{ref}/portal-links"


@routes.post(LINKS)
async def post_portal_link(request: web.Request) -> web.Response:
    """A new link to the account's portal: ``{"url", "expires_at"}``; the URL is shown once."""
    ref = account_ref(request)
    body = validate(PortalLinkIn, await read_body(request) if request.can_read_body else {})
    settings = request.config_dict[SETTINGS]
    now = clock.utcnow()
    async with request.config_dict[ENGINE].begin() as conn:
        account_id = await find_account_id(conn, ref)
        link = await mint_link(
            conn,
            account_id=account_id,
            account_ref=ref,
            settings=settings,
            now=now,
            hours=body.expires_in_hours,
        )
    return web.json_response(
        {"url": link.url, "expires_at": iso(link.expires_at)},
        status=201,
        headers={"Cache-Control": "no-store"},
    )


@routes.delete(LINKS)
async def delete_portal_links(request: web.Request) -> web.Response:
    """Revoke every live link of the account: ``{"revoked": <how many>}``."""
    ref = account_ref(request)
    async with request.config_dict[ENGINE].begin() as conn:
        account_id = await find_account_id(conn, ref)
        revoked = await revoke_links(
            conn, account_id=account_id, account_ref=ref, now=clock.utcnow()
        )
    return web.json_response({"revoked": revoked})
