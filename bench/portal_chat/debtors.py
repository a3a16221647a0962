"""The debtors: their accounts and portal links, signed in through the identity check as a
browser is, and the chat conversation each one's link opened."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from sqlalchemy import select

from bench.turn_probe import TurnProbe
from gateway.db.tables import accounts, portal_links
from gateway.pages.portal_pages import CHECK_COOKIE
from gateway.portal.sessions import COOKIE

DOB = "1985-03-14"
_CHECK = re.compile(r'name="check" value="(?P<value>[^"]+)"')


@dataclass(frozen=True)
class Debtor:
    """A verified debtor's portal session."""

    ref: str
    cookie: str  # the parley_portal session id


class Portal:
    """Signs debtors in to the portal over HTTP, as a browser does (cookies kept per debtor)."""

    def __init__(self, base_url: str, api_token: str, concurrency: int) -> None:
        self.base_url = base_url
        self.api = {"Authorization": f"Bearer {api_token}"}
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=concurrency),
            cookie_jar=aiohttp.DummyCookieJar(),  # each debtor's cookies are sent by hand
        )

    async def close(self) -> None:
        """Release the connections."""
        await self.http.close()

    async def sign_in(self, ref: str, index: int) -> Debtor:
        """Register account ``ref``, mint a link, answer the identity check; the session."""
        body = {
            "creditor": "Acme Bank",
            "collector_type": "third_party",
            "balance": {"amount": "432.10", "currency": "USD"},
            "debtor": {
                "name": "Dana Debtor",
                "timezone": "America/Chicago",
                "postal_code": "60601",
                "date_of_birth": DOB,
            },
            "contacts": [{"channel": "sms", "address": f"+1773555{index:04d}", "consent": True}],
        }
        account = f"{self.base_url}/v1/accounts/{ref}"
        async with self.http.put(account, json=body, headers=self.api) as response:
            await expect(response, 200, 201)
        async with self.http.post(f"{account}/portal-links", json={}, headers=self.api) as r:
            await expect(r, 201)
            # Built from PARLEY_PUBLIC_URL (or host:port): the path is what matters.
            link = self.base_url + urlsplit(str((await r.json())["url"])).path
        async with self.http.get(link) as response:
            await expect(response, 200)
            found = _CHECK.search(await response.text())
            morsel = response.cookies.get(CHECK_COOKIE)
            if found is None or morsel is None:
                raise RuntimeError("the landing page had no identity-check form and cookie")
        form = {"check": found["value"], "answer": DOB}
        async with self.http.post(
            link,
            data=form,
            headers={"Cookie": f"{CHECK_COOKIE}={morsel.value}"},
            allow_redirects=False,
        ) as response:
            await expect(response, 303)
            session = response.cookies.get(COOKIE)
            if session is None:
                raise RuntimeError(f"the identity check set no {COOKIE} cookie")
            return Debtor(ref, session.value)


async def expect(response: aiohttp.ClientResponse, *statuses: int) -> None:
    """RuntimeError unless the response has one of ``statuses``."""
    if response.status not in statuses:
        body = (await response.text())[:300]
        raise RuntimeError(f"{response.method} {response.url.path}: {response.status} {body}")


async def conversation_of(probe: TurnProbe, ref: str) -> str:
    """The web-chat conversation the portal opened for ``ref``'s verified link."""
    async with probe.engine.connect() as conn:
        found = await conn.scalar(
            select(portal_links.c.conversation_id)
            .select_from(portal_links.join(accounts, accounts.c.id == portal_links.c.account_id))
            .where(accounts.c.account_ref == ref, portal_links.c.verified_at.is_not(None))
        )
    if found is None:
        raise RuntimeError(f"no verified chat conversation for {ref}")
    return str(found)
