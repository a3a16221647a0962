"""Twilio's outgoing side: webhooks signed over the public URL and sent where the app listens.

Twilio only ever talks to the *public* URL (``PARLEY_PUBLIC_URL``), while in a test the gateway
listens on a local port. ``route_public(public_base, local_base)`` tells the sender where a public
URL really lives: every webhook is signed over the public URL and sent to the local one, exactly
as ``channels.twilio_signature.compute_signature`` expects.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import yarl

from channels.twilio_signature import SIGNATURE_HEADER, compute_signature

from .formats import with_query


@dataclass(frozen=True)
class SentWebhook:
    """One webhook the emulator posted, and what the receiver answered."""

    url: str
    signed_url: str
    params: dict[str, str]
    signature: str
    status: int
    body: str
    method: str = "POST"


@dataclass
class WebhookSender:
    """Signs and sends webhooks like Twilio, now or in the background, and logs them in ``sent``."""

    auth_token: str
    sent: list[SentWebhook]
    # public base URL -> local base URL (see route_public)
    _routes: dict[str, str] = field(default_factory=dict)
    # Webhooks Twilio sends after answering a REST request (hang-up callbacks, redirects).
    _tasks: set[asyncio.Task[object]] = field(default_factory=set)
    _session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        """Open the HTTP session (in the running loop, which it then belongs to)."""
        self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        """Cancel pending background webhooks and close the session."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- where webhooks go -------------------------------------------------------------------------

    def route_public(self, public_base: str, local_base: str) -> None:
        """Deliver webhooks for URLs under ``public_base`` to the same path under ``local_base``."""
        self._routes[public_base.rstrip("/")] = local_base.rstrip("/")

    def local_url(self, url: str) -> str:
        """Where a webhook for ``url`` is actually sent (``url`` itself when no route matches)."""
        for public in sorted(self._routes, key=len, reverse=True):
            rest = url[len(public) :]
            # Match whole path segments only: https://a.example must not capture https://a.examplex.
            if url.startswith(public) and rest[:1] in ("", "/", "?", "#"):
                return self._routes[public] + rest
        return url

    def learn_route(self, public_url: str, local_url: str) -> None:
        """Route the public base of ``public_url`` to the matching base of ``local_url``.

        The two URLs name the same endpoint, so whatever they share at the end (cut back to a
        path boundary) is the path, and what precedes it differs: those are the two bases.
        """
        shared = 0
        limit = min(len(public_url), len(local_url))
        while shared < limit and public_url[-1 - shared] == local_url[-1 - shared]:
            shared += 1
        suffix = public_url[len(public_url) - shared :]
        cut = suffix.find("/")
        if cut < 0:
            return
        suffix = suffix[cut:]
        public_base = public_url[: len(public_url) - len(suffix)]
        if public_base.endswith(("/", ":")) or self.local_url(public_url) != public_url:
            return  # the bases are not cleanly separable, or a route already covers it
        self.route_public(public_base, local_url[: len(local_url) - len(suffix)])

    # -- sending -----------------------------------------------------------------------------------

    async def post_signed(
        self, url: str, params: dict[str, str], *, public_url: str | None = None
    ) -> SentWebhook:
        """POST ``params`` form-encoded to ``url``, signed over ``public_url`` (default ``url``).

        ``public_url`` is the address Twilio was configured with (``PARLEY_PUBLIC_URL`` + path);
        the request itself goes to ``url``, which is where the gateway listens in the test.
        Without ``public_url``, ``url`` is the configured address and ``route_public`` applies.
        """
        return await self.deliver(
            "POST", public_url or url, params, target=url if public_url else None
        )

    async def deliver(
        self, method: str, twilio_url: str, params: dict[str, str], *, target: str | None = None
    ) -> SentWebhook:
        """Send a webhook the way Twilio does: signed over ``twilio_url``, sent to ``target``.

        ``target`` defaults to ``twilio_url`` mapped through ``route_public``. A GET carries the
        parameters in the query string and is signed over the resulting URL alone.
        """
        if self._session is None:
            raise RuntimeError("emulator not started")
        verb = method.upper()
        if verb not in ("GET", "POST"):
            raise ValueError(f"Twilio only uses GET or POST, not {method!r}")
        send_to = target or self.local_url(twilio_url)
        if verb == "GET":
            query = urlencode(params)
            signed_url = with_query(twilio_url, query)
            send_to = with_query(send_to, query)
            signature = compute_signature(self.auth_token, signed_url, {})
        else:
            signed_url = twilio_url
            signature = compute_signature(self.auth_token, signed_url, params)
        headers = {
            SIGNATURE_HEADER: signature,
            "User-Agent": "TwilioProxy/1.1",
            # Twilio sends one per webhook attempt; retries of the same event repeat it.
            "I-Twilio-Idempotency-Token": secrets.token_hex(16),
        }
        # encoded=True: send exactly the bytes that were signed (no re-quoting by yarl).
        async with self._session.request(
            verb,
            yarl.URL(send_to, encoded=True),
            data=params if verb == "POST" else None,
            headers=headers,
        ) as response:
            sent = SentWebhook(
                send_to, signed_url, params, signature, response.status, await response.text(), verb
            )
        self.sent.append(sent)
        return sent

    # -- in the background -------------------------------------------------------------------------

    def spawn(self, work: Coroutine[Any, Any, object]) -> None:
        """Run ``work`` (webhooks Twilio sends after answering a REST request) in the background."""
        self._tasks.add(asyncio.get_running_loop().create_task(work))

    async def settle(self) -> None:
        """Wait for the background webhooks, including those they spawn, re-raising errors."""
        while self._tasks:
            tasks = list(self._tasks)
            results = await asyncio.gather(*tasks, return_exceptions=True)
            self._tasks.difference_update(tasks)
            for result in results:
                if isinstance(result, BaseException):
                    raise result
