"""Opening the debtor portal the way a browser does: a link from the core API, the landing
page's form, the session cookie, the CSRF token of the pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient
from helpers import account_body

DOB = "1985-03-14"
_HIDDEN = re.compile(r'name="(?P<name>check|csrf_token|nonce)" value="(?P<value>[^"]+)"')


def portal_account(**overrides: Any) -> dict[str, Any]:
    """An account whose debtor can pass the identity check with ``DOB``."""
    body = account_body(**overrides)
    body["debtor"] = body["debtor"] | {"date_of_birth": DOB}
    return body


def hidden(html: str, name: str) -> str:
    """The value of a hidden form field of a page."""
    for match in _HIDDEN.finditer(html):
        if match["name"] == name:
            return match["value"]
    raise AssertionError(f"no hidden field {name!r} on the page")


@dataclass(frozen=True, slots=True)
class Portal:
    """A client signed in to one account's portal."""

    client: TestClient[Any, Any]
    csrf_token: str

    async def post_form(self, path: str, data: Any) -> Any:
        """Post a form of the portal with the session's CSRF token."""
        if isinstance(data, dict):
            data = data | {"csrf_token": self.csrf_token}
        return await self.client.post(path, data=data, allow_redirects=False)


async def new_link(client: TestClient[Any, Any], ref: str = "A-1", **body: Any) -> str:
    """A fresh link's path (``/portal/<token>``) from the core API."""
    response = await client.post(f"/v1/accounts/{ref}/portal-links", json=body)
    assert response.status == 201, await response.text()
    url = (await response.json())["url"]
    return "/portal/" + url.rsplit("/portal/", 1)[1]


async def answer(client: TestClient[Any, Any], path: str, value: str) -> Any:
    """Open the landing page and answer its identity check."""
    landing = await client.get(path)
    assert landing.status == 200, await landing.text()
    check = hidden(await landing.text(), "check")
    return await client.post(path, data={"check": check, "answer": value}, allow_redirects=False)


async def sign_in(client: TestClient[Any, Any], ref: str = "A-1", dob: str = DOB) -> Portal:
    """A verified session on ``ref``'s portal."""
    response = await answer(client, await new_link(client, ref), dob)
    assert response.status == 303, await response.text()
    page = await client.get("/portal/account")
    assert page.status == 200
    return Portal(client, hidden(await page.text(), "csrf_token"))
