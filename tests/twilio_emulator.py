"""A local Twilio emulator for tests and benchmarks: the Messages REST API plus signed webhooks.

It serves the three Messages endpoints the ``twilio`` SDK calls (create, fetch, list) under
``/2010-04-01/Accounts/{AccountSid}/``, checks HTTP basic auth (account SID + auth token) the way
Twilio does, answers with Twilio-shaped JSON, records every request, can be told to fail the next
N requests with a Twilio error, and sends status callbacks and inbound-SMS webhooks signed exactly
as Twilio signs them (``channels.twilio_signature.compute_signature`` over the *public* URL).

Pointing the real SDK at it (``PARLEY_TWILIO_BASE_URL``)
--------------------------------------------------------
The SDK has no constructor argument for the API host. Each product is a ``Domain`` whose
``base_url`` attribute (``"https://api.twilio.com"`` for ``client.api``) is read on every request
by ``Domain.absolute_url``; Messages and Calls both live under ``client.api.v2010``. So::

    client = Client(account_sid, auth_token, http_client=AsyncTwilioHttpClient())
    client.api.base_url = settings.twilio_base_url   # e.g. http://127.0.0.1:41234

is all it takes (``client.messages`` is ``client.api.v2010.account.messages``). Two caveats found
in the 9.13 source: ``ClientBase.get_hostname`` rewrites the host when an edge or region is set
(including from ``TWILIO_EDGE``/``TWILIO_REGION`` in the environment), which would mangle
``127.0.0.1``, so an overridden client must have ``edge``/``region`` cleared; and
``AsyncTwilioHttpClient`` opens its aiohttp session in its constructor, so build it inside the
running event loop and ``await http_client.close()`` when done. Twilio's own suggestion (a custom
HTTP client that rewrites the URL, twilio/twilio-python#521) also works but is more code for the
same effect. ``twilio_client()`` below does it the ``base_url`` way.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from channels.twilio_signature import SIGNATURE_HEADER, compute_signature

API_VERSION = "2010-04-01"
DEFAULT_ACCOUNT_SID = "AC" + "0" * 32
DEFAULT_AUTH_TOKEN = "emulator-auth-token-0123456789ab"

# Messages Twilio returns for the codes Parley reacts to; others get a generic text.
ERROR_MESSAGES = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    21211: "Invalid 'To' Phone Number",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
}


def twilio_error(status: int, code: int, message: str | None = None) -> dict[str, Any]:
    """The JSON body Twilio's REST API sends with an error (the legacy, non-RFC-9457 shape)."""
    return {
        "code": code,
        "message": message or ERROR_MESSAGES.get(code, "Error"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def twilio_client(
    base_url: str, account_sid: str, auth_token: str, http_client: AsyncTwilioHttpClient
) -> Client:
    """A real SDK client whose API domain is ``base_url`` (see the module docstring for why)."""
    client = Client(account_sid, auth_token, http_client=http_client)
    # An edge/region (possibly from TWILIO_EDGE/TWILIO_REGION) would rewrite the emulator's host.
    client.edge = None
    client.region = None
    client.api.base_url = base_url
    return client


def _rfc2822(moment: datetime) -> str:
    """Twilio's v2010 timestamp format, e.g. ``Thu, 30 Jul 2015 20:12:31 +0000``."""
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


@dataclass(frozen=True)
class RecordedRequest:
    """One REST request as the emulator received it."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, list[str]]
    headers: dict[str, str]
    authorized: bool


@dataclass(frozen=True)
class SentWebhook:
    """One webhook the emulator posted, and what the receiver answered."""

    url: str
    signed_url: str
    params: dict[str, str]
    signature: str
    status: int
    body: str


@dataclass
class _Failure:
    status: int
    code: int
    message: str | None


@dataclass
class TwilioEmulator:
    """The emulator: ``await start()``, point the SDK at ``base_url``, ``await stop()``."""

    account_sid: str = DEFAULT_ACCOUNT_SID
    auth_token: str = DEFAULT_AUTH_TOKEN
    host: str = "127.0.0.1"
    requests: list[RecordedRequest] = field(default_factory=list)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    webhooks: list[SentWebhook] = field(default_factory=list)
    _failures: deque[_Failure] = field(default_factory=deque)
    _runner: web.AppRunner | None = None
    _session: aiohttp.ClientSession | None = None
    _port: int = 0

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on ``host`` at a free port chosen by the OS."""
        app = web.Application()
        prefix = f"/{API_VERSION}/Accounts/{{account_sid}}"
        app.router.add_post(f"{prefix}/Messages.json", self._create_message)
        app.router.add_get(f"{prefix}/Messages.json", self._list_messages)
        app.router.add_get(f"{prefix}/Messages/{{sid}}.json", self._fetch_message)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        """Close the webhook session and the server."""
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TwilioEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """What ``PARLEY_TWILIO_BASE_URL`` should be set to."""
        if not self._port:
            raise RuntimeError("emulator not started")
        return f"http://{self.host}:{self._port}"

    # -- test controls ---------------------------------------------------------------------------

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

    def create_requests(self) -> list[RecordedRequest]:
        """The recorded Messages create calls, oldest first."""
        return [r for r in self.requests if r.method == "POST"]

    # -- REST API --------------------------------------------------------------------------------

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

    async def _record(self, request: web.Request) -> tuple[RecordedRequest, web.Response | None]:
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
            return recorded, web.json_response(twilio_error(401, 20003), status=401)
        if self._failures:
            failure = self._failures.popleft()
            body = twilio_error(failure.status, failure.code, failure.message)
            return recorded, web.json_response(body, status=failure.status)
        return recorded, None

    async def _create_message(self, request: web.Request) -> web.Response:
        recorded, error = await self._record(request)
        if error is not None:
            return error
        form = {name: values[-1] for name, values in recorded.form.items()}
        if not form.get("To"):
            return web.json_response(twilio_error(400, 21604), status=400)
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return web.json_response(twilio_error(400, 21603), status=400)
        if not form.get("Body") and not form.get("MediaUrl"):
            return web.json_response(twilio_error(400, 21602), status=400)
        now = _rfc2822(datetime.now(UTC))
        sid = "SM" + uuid.uuid4().hex
        body = form.get("Body", "")
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}"
        message: dict[str, Any] = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": str(len(recorded.form.get("MediaUrl", []))),
            "num_segments": str(max(1, -(-len(body) // 160))),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            # Twilio answers "accepted" while a Messaging Service still has to pick the sender.
            "status": "queued" if form.get("From") else "accepted",
            "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
            "to": form["To"],
            "uri": f"{uri}.json",
        }
        # Not part of Twilio's resource; kept aside so send_status_callback knows where to post.
        self.messages[sid] = {**message, "_status_callback": form.get("StatusCallback")}
        return web.json_response(message, status=201)

    def _public(self, message: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in message.items() if not k.startswith("_")}

    async def _fetch_message(self, request: web.Request) -> web.Response:
        _, error = await self._record(request)
        if error is not None:
            return error
        message = self.messages.get(request.match_info["sid"])
        if message is None:
            return web.json_response(twilio_error(404, 20404), status=404)
        return web.json_response(self._public(message))

    async def _list_messages(self, request: web.Request) -> web.Response:
        _, error = await self._record(request)
        if error is not None:
            return error
        query = request.query
        found = [
            self._public(m)
            for m in reversed(self.messages.values())  # Twilio lists newest first
            if all(query.get(k) in (None, m[f]) for k, f in (("To", "to"), ("From", "from")))
        ]
        size = max(1, min(int(query.get("PageSize", "50")), 1000))
        page = max(0, int(query.get("Page", "0")))
        chunk = found[page * size : (page + 1) * size]
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"
        more = (page + 1) * size < len(found)
        return web.json_response(
            {
                "messages": chunk,
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

    # -- webhooks --------------------------------------------------------------------------------

    async def post_signed(
        self, url: str, params: dict[str, str], *, public_url: str | None = None
    ) -> SentWebhook:
        """POST ``params`` form-encoded to ``url``, signed over ``public_url`` (default ``url``).

        ``public_url`` is the address Twilio was configured with (``PARLEY_PUBLIC_URL`` + path);
        the request itself goes to ``url``, which is where the gateway listens in the test.
        """
        if self._session is None:
            raise RuntimeError("emulator not started")
        signed_url = public_url or url
        signature = compute_signature(self.auth_token, signed_url, params)
        headers = {
            SIGNATURE_HEADER: signature,
            "User-Agent": "TwilioProxy/1.1",
            # Twilio sends one per webhook attempt; retries of the same event repeat it.
            "I-Twilio-Idempotency-Token": secrets.token_hex(16),
        }
        async with self._session.post(url, data=params, headers=headers) as response:
            sent = SentWebhook(
                url, signed_url, params, signature, response.status, await response.text()
            )
        self.webhooks.append(sent)
        return sent

    async def send_status_callback(
        self,
        sid: str,
        status: str,
        *,
        url: str | None = None,
        public_url: str | None = None,
        error_code: int | None = None,
    ) -> SentWebhook:
        """Move message ``sid`` to ``status`` and post Twilio's status callback for it.

        ``url`` defaults to the StatusCallback given at create time.
        """
        message = self.messages[sid]
        target = url or message["_status_callback"]
        if not target:
            raise ValueError(f"message {sid} has no StatusCallback and no url was given")
        message["status"] = status
        message["date_updated"] = _rfc2822(datetime.now(UTC))
        if status in {"sent", "delivered"} and message["date_sent"] is None:
            message["date_sent"] = message["date_updated"]
        if error_code is not None:
            message["error_code"] = error_code
            message["error_message"] = ERROR_MESSAGES.get(error_code)
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "From": message["from"] or "",
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": message["to"],
        }
        if message["messaging_service_sid"]:
            params["MessagingServiceSid"] = message["messaging_service_sid"]
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return await self.post_signed(target, params, public_url=public_url)

    async def send_inbound_sms(
        self,
        url: str,
        *,
        from_: str,
        to: str,
        body: str,
        public_url: str | None = None,
        message_sid: str | None = None,
        extra: dict[str, str] | None = None,
    ) -> SentWebhook:
        """Post an inbound SMS webhook as Twilio does when ``from_`` texts ``to``.

        Pass the same ``message_sid`` twice to emulate Twilio redelivering one message.
        """
        sid = message_sid or "SM" + uuid.uuid4().hex
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "Body": body,
            "From": from_,
            "FromCountry": "US",
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": to,
            "ToCountry": "US",
            **(extra or {}),
        }
        return await self.post_signed(url, params, public_url=public_url)
