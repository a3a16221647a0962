"""``POST /v3/mail/send`` as SendGrid serves it, with the failures tests ask for.

In order: bearer auth (401), the 30 MB limit (413), an injected failure, the Content-Type (400),
the JSON (400 ``Bad Request``), the mail itself (400 naming the field, see ``validation``).
A mail that passes is recorded in ``sent`` and answered 202 with an empty body and its
``X-Message-Id`` header, unless the next plan says to drop the connection or to answer late.
Plans apply in the order the test made them; a lost or delayed answer waits for a valid mail.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .formats import (
    MAIL_SEND_PATH,
    MAX_BODY_BYTES,
    UNAUTHORIZED_MESSAGE,
    error_body,
    failure_body,
    new_id,
)
from .mail import SentMail, sent_mail
from .validation import InvalidMail, validate_mail


@dataclass(frozen=True)
class RecordedRequest:
    """One request to Mail Send and how it was answered.

    ``status`` is None when the connection was dropped without an answer (``lose_next_answer``);
    ``answer`` is the JSON error body sent, if any. ``body`` is empty when it was over the limit.
    """

    headers: dict[str, str]
    body: bytes
    authorized: bool
    status: int | None
    answer: dict[str, Any] | None = None
    x_message_id: str | None = None

    def json(self) -> Any:
        """The body parsed as JSON (raises if it is not JSON)."""
        return json.loads(self.body)


@dataclass(frozen=True)
class _Fail:
    status: int
    retry_after: int | None


@dataclass(frozen=True)
class _Lose:
    pass


@dataclass(frozen=True)
class _Delay:
    seconds: float


@dataclass
class MailSend:
    """The Mail Send endpoint: checks and records requests, keeps accepted mails in ``sent``."""

    api_key: str
    sent: list[SentMail]
    requests: list[RecordedRequest]
    # What to do with the next requests, in the order the test asked for it.
    _plans: deque[_Fail | _Lose | _Delay] = field(default_factory=deque)
    # Set on stop, so late answers still waiting go out at once and the server can shut down.
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def add_routes(self, router: web.UrlDispatcher) -> None:
        """Serve ``POST /v3/mail/send``."""
        router.add_post(MAIL_SEND_PATH, self._send)

    # -- test controls -----------------------------------------------------------------------------

    def fail_next(self, status: int, *, times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next ``times`` authorized sends with ``status`` (see the emulator)."""
        self._plans.extend(_Fail(status, retry_after) for _ in range(times))

    def lose_next_answer(self, times: int = 1) -> None:
        """Accept the next ``times`` valid mails, then drop the connection without answering."""
        self._plans.extend(_Lose() for _ in range(times))

    def delay_next(self, seconds: float, times: int = 1) -> None:
        """Accept the next ``times`` valid mails, then wait ``seconds`` before answering 202."""
        self._plans.extend(_Delay(seconds) for _ in range(times))

    def reset(self) -> None:
        """Forget every pending failure, lost answer and delay."""
        self._plans.clear()

    def release(self) -> None:
        """Send the answers still being delayed now, and any later one without waiting."""
        self._stopping.set()

    # -- the endpoint ------------------------------------------------------------------------------

    async def _send(self, request: web.Request) -> web.StreamResponse:
        body = await _read_body(request)
        headers = dict(request.headers)
        if not self._authorized(request):
            answer = error_body(UNAUTHORIZED_MESSAGE)
            self.requests.append(RecordedRequest(headers, body or b"", False, 401, answer))
            return web.json_response(answer, status=401)

        def refuse(
            status: int, answer: dict[str, Any], extra: dict[str, str] | None = None
        ) -> web.Response:
            self.requests.append(RecordedRequest(headers, body or b"", True, status, answer))
            return web.json_response(answer, status=status, headers=extra)

        if body is None:
            return refuse(413, failure_body(413))
        failure = self._plans[0] if self._plans else None
        if isinstance(failure, _Fail):
            self._plans.popleft()
            return refuse(failure.status, failure_body(failure.status), _failure_headers(failure))
        if request.content_type != "application/json":
            return refuse(400, error_body("Content-Type should be application/json."))
        try:
            mail = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            return refuse(400, error_body("Bad Request"))
        if not isinstance(mail, dict):
            return refuse(400, error_body("Bad Request"))
        try:
            validate_mail(mail)
        except InvalidMail as invalid:
            return refuse(400, invalid.body())
        return await self._accept(request, headers, body, mail)

    async def _accept(
        self, request: web.Request, headers: dict[str, str], body: bytes, mail: dict[str, Any]
    ) -> web.StreamResponse:
        """Record the mail (SendGrid has it now), then answer as planned."""
        x_message_id = new_id()
        self.sent.append(sent_mail(x_message_id, mail))
        plan = self._plans.popleft() if self._plans else None
        status = None if isinstance(plan, _Lose) else 202
        self.requests.append(RecordedRequest(headers, body, True, status, None, x_message_id))
        answer = web.Response(status=202, headers={"X-Message-Id": x_message_id})
        if isinstance(plan, _Lose) and request.transport is not None:
            # The client sees the server disconnect; aiohttp then drops the answer silently.
            request.transport.close()
        elif isinstance(plan, _Delay):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), plan.seconds)
        return answer

    def _authorized(self, request: web.Request) -> bool:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        # Constant time, like a real server.
        return scheme.lower() == "bearer" and hmac.compare_digest(
            key.strip().encode(), self.api_key.encode()
        )


async def _read_body(request: web.Request) -> bytes | None:
    """The request body, or None if it is over ``MAX_BODY_BYTES``.

    An oversized body is still read to its end, so the client finishes sending and reads the 413
    instead of failing on a closed socket.
    """
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(1 << 16):
        size += len(chunk)
        if size <= MAX_BODY_BYTES:
            chunks.append(chunk)
    return b"".join(chunks) if size <= MAX_BODY_BYTES else None


def _failure_headers(failure: _Fail) -> dict[str, str]:
    """``Retry-After`` when asked (always for a 429), with SendGrid's rate-limit headers."""
    if failure.status != 429 and failure.retry_after is None:
        return {}
    retry_after = 1 if failure.retry_after is None else failure.retry_after
    headers = {"Retry-After": str(retry_after)}
    if failure.status == 429:
        headers |= {
            "X-RateLimit-Limit": "600",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(time.time()) + retry_after),
        }
    return headers
