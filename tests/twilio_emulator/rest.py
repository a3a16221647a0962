"""What every REST resource shares: basic auth, the request log, injected failures, and the JSON
shapes of errors, single resources and list pages."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .formats import account_path, twilio_error

# A resource as the emulator stores it: Twilio's JSON fields, plus private "_" bookkeeping.
Resource = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.Response]]


@dataclass(frozen=True)
class RecordedRequest:
    """One REST request as the emulator received it."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, list[str]]
    headers: dict[str, str]
    authorized: bool

    def fields(self) -> dict[str, str]:
        """The form as Twilio reads a single-valued parameter: the last value given."""
        return {name: values[-1] for name, values in self.form.items()}


@dataclass
class _Failure:
    status: int
    code: int
    message: str | None


@dataclass
class RestGate:
    """Admits REST requests as Twilio does: records each, checks credentials, injects failures."""

    account_sid: str
    auth_token: str
    requests: list[RecordedRequest]
    _failures: deque[_Failure] = field(default_factory=deque)

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 400,
        code: int | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next ``count`` authorized REST requests with a Twilio error.

        ``code`` defaults to 21610 for a 400, else 20000 + status (20429, 20500, ...), which is
        what Twilio sends for throttling and server errors.
        """
        chosen = code if code is not None else (21610 if status == 400 else 20000 + status)
        for _ in range(count):
            self._failures.append(_Failure(status, chosen, message))

    def guard(
        self, handler: Callable[[web.Request, RecordedRequest], Awaitable[web.Response]]
    ) -> Handler:
        """``handler`` behind the gate: it only runs for requests that were admitted."""

        async def admitted(request: web.Request) -> web.Response:
            recorded, refusal = await self._admit(request)
            return refusal if refusal is not None else await handler(request, recorded)

        return admitted

    async def _admit(self, request: web.Request) -> tuple[RecordedRequest, web.Response | None]:
        """Record the request, then return the error to answer with, if any."""
        form: dict[str, list[str]] = {}
        if request.method == "POST":
            for name, value in (await request.post()).items():
                form.setdefault(name, []).append(str(value))
        authorized = self._authorized(request)
        recorded = RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            form=form,
            headers=dict(request.headers),
            authorized=authorized,
        )
        self.requests.append(recorded)
        if not authorized:
            return recorded, error_response(401, 20003)
        if self._failures:
            failure = self._failures.popleft()
            return recorded, error_response(failure.status, failure.code, failure.message)
        return recorded, None

    def _authorized(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        # Compare both parts fully (no short-circuit) and in constant time, like a real server.
        user_ok = hmac.compare_digest(user.encode(), self.account_sid.encode())
        token_ok = hmac.compare_digest(password.encode(), self.auth_token.encode())
        path_ok = request.match_info["account_sid"] == self.account_sid
        return user_ok and token_ok and path_ok


def error_response(status: int, code: int, message: str | None = None) -> web.Response:
    """A Twilio REST error answer."""
    return web.json_response(twilio_error(status, code, message), status=status)


def public_view(resource: Resource) -> dict[str, Any]:
    """The resource as Twilio shows it: without the emulator's private ``_`` keys."""
    return {k: v for k, v in resource.items() if not k.startswith("_")}


def fetch_response(store: dict[str, Resource], sid: str) -> web.Response:
    """The answer to fetching ``sid`` from ``store``: the resource, or Twilio's 404."""
    resource = store.get(sid)
    if resource is None:
        return error_response(404, 20404)
    return web.json_response(public_view(resource))


def page_response(
    request: web.Request,
    account_sid: str,
    resource: str,
    store: dict[str, Resource],
    filters: tuple[tuple[str, str], ...],
) -> web.Response:
    """One page of a v2010 list, newest first, filtered on exact field matches.

    ``filters`` pairs a query parameter with the resource field it must equal when given.
    """
    query = request.query
    found = [
        public_view(item)
        for item in reversed(store.values())  # Twilio lists newest first
        if all(query.get(k) in (None, item[f]) for k, f in filters)
    ]
    size = max(1, min(int(query.get("PageSize", "50")), 1000))
    page = max(0, int(query.get("Page", "0")))
    chunk = found[page * size : (page + 1) * size]
    base = f"{account_path(account_sid)}/{resource}.json"
    more = (page + 1) * size < len(found)
    return web.json_response(
        {
            resource.lower(): chunk,
            "end": page * size + max(len(chunk) - 1, 0),
            "first_page_uri": f"{base}?PageSize={size}&Page=0",
            "next_page_uri": f"{base}?PageSize={size}&Page={page + 1}" if more else None,
            "page": page,
            "page_size": size,
            "previous_page_uri": f"{base}?PageSize={size}&Page={page - 1}" if page else None,
            "start": page * size,
            "uri": f"{base}?PageSize={size}&Page={page}",
        }
    )
