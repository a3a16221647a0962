"""The twilio SDK's async client, on Parley's own aiohttp session and pointed where settings say.

The SDK's ``AsyncTwilioHttpClient`` opens a session of its own, logs every request URL (phone
numbers included) at INFO and uses aiohttp arguments that aiohttp 3.14 deprecates; this subclass
keeps its interface but sends on the caller's session, sets the Authorization header itself and
logs nothing.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import aiohttp
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client


class SessionHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """An ``AsyncTwilioHttpClient`` over a shared ``aiohttp.ClientSession``."""

    def __init__(self, session: aiohttp.ClientSession, timeout: float) -> None:
        # No pooled session of its own: every request goes through ``session``.
        super().__init__(pool_connections=False, timeout=timeout)
        self._session = session

    async def request(
        self,
        method: str,
        uri: str,
        params: Mapping[str, object] | None = None,
        data: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the SDK's interface passes it
        allow_redirects: bool = False,
    ) -> Response:
        """Make one request; connection errors and timeouts propagate as aiohttp's."""
        sent = dict(headers or {})
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            sent["Authorization"] = f"Basic {token}"
        async with self._session.request(
            method.upper(),
            uri,
            params=_pairs(params),
            data=_pairs(data),
            headers=sent,
            timeout=aiohttp.ClientTimeout(total=timeout or self.timeout),
            allow_redirects=allow_redirects,
        ) as response:
            return Response(response.status, await response.text(), response.headers)


def _pairs(values: Mapping[str, object] | None) -> list[tuple[str, str]] | None:
    """Form or query pairs; the SDK passes repeated parameters (StatusCallbackEvent) as lists."""
    if values is None:
        return None
    pairs: list[tuple[str, str]] = []
    for name, value in values.items():
        items: list[Any] = list(value) if isinstance(value, list | tuple) else [value]
        pairs.extend((name, str(item)) for item in items)
    return pairs


def build_client(
    session: aiohttp.ClientSession,
    account_sid: str,
    auth_token: str,
    *,
    base_url: str | None,
    timeout: float,
) -> Client:
    """A twilio ``Client`` on ``session``; ``base_url`` replaces https://api.twilio.com.

    The SDK has no constructor argument for the API host: each product's ``Domain.base_url`` is
    read on every request, so setting it on ``client.api`` moves Messages and Calls. An edge or
    region (possibly from TWILIO_EDGE/TWILIO_REGION) would rewrite that host, so both are cleared.
    """
    client = Client(account_sid, auth_token, http_client=SessionHttpClient(session, timeout))
    if base_url is not None:
        client.edge = None
        client.region = None
        client.api.base_url = base_url.rstrip("/")
    return client
