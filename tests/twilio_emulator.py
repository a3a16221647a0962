"""A local Twilio emulator for tests and benchmarks: Messages and Calls REST APIs, signed webhooks.

It serves the Messages endpoints the ``twilio`` SDK calls (create, fetch, list) and the Calls
endpoints (create, fetch, list, update) under ``/2010-04-01/Accounts/{AccountSid}/``, checks HTTP
basic auth (account SID + auth token) the way Twilio does, answers with Twilio-shaped JSON, records
every request, can be told to fail the next N requests with a Twilio error, and sends status
callbacks, inbound-SMS webhooks and voice webhooks signed exactly as Twilio signs them
(``channels.twilio_signature.compute_signature`` over the *public* URL).

Voice: acting as Twilio's media side
------------------------------------
``start_inbound_call`` (the debtor dials Parley) and ``answer_call`` (a call created through the
REST API is picked up) post Twilio's voice webhook and return a ``VoiceStep``: the TwiML the app
answered with, parsed, plus methods that continue the call the way Twilio would (``press``,
``speak``, ``silence``, ``follow_redirect``, ``finish_recording``, ``finish_dial``).
``ring_call``/``end_call`` post the call-progress status callbacks the call subscribed to.

Twilio only ever talks to the *public* URL (``PARLEY_PUBLIC_URL``), while in a test the gateway
listens on a local port. ``route_public(public_base, local_base)`` tells the emulator where a
public URL really lives: every webhook is signed over the public URL and sent to the local one.
Relative URLs in TwiML (``<Gather action="menu">``) resolve against the public document URL, as
they do at Twilio.

Behaviour taken from Twilio's docs and the SDK's generated docstrings (not guessed):

* Create: ``Url`` must be absolute (21205), ``To`` is required (21201), ``From`` is required
  (21213); with both ``Url`` and ``Twiml`` the ``Twiml`` is ignored; ``MachineDetection`` is
  ignored when ``SendDigits`` is given; ``StatusCallback`` without ``StatusCallbackEvent`` only
  gets the ``completed`` event (which is also what busy/no-answer/failed/canceled are reported
  under, with the real status in ``CallStatus``).
* Update: ``Status=canceled`` only affects queued/ringing calls, ``Status=completed`` hangs up
  even an in-progress call; redirecting (``Url``/``Twiml``) a finished call is 21220.
* Status callbacks carry ``CallbackSource=call-progress-events``, a ``SequenceNumber`` counting
  from 0 per call, an RFC 2822 ``Timestamp`` and, on the final event, ``CallDuration``.
* AMD: synchronous detection puts ``AnsweredBy`` on the request to ``Url`` (``human``,
  ``machine_start``, ``fax``, ``unknown`` for ``Enable``; ``machine_end_beep``/``_silence``/
  ``_other`` instead of ``machine_start`` for ``DetectMessageEnd``); with ``AsyncAmd=true`` the
  ``Url`` is fetched at once without it and ``AnsweredBy`` + ``MachineDetectionDuration`` go to
  ``AsyncAmdStatusCallback``.
* ``<Gather>``: ``action`` defaults to the current document URL, ``method`` to POST,
  ``finishOnKey`` to ``#`` (and only ends input after at least one digit), ``input`` to ``dtmf``.
  With no input it falls through to the next verb (or sends an empty result to ``action`` when
  ``actionOnEmptyResult="true"``); when no verbs are left Twilio hangs up.
* ``<Record>`` posts ``RecordingUrl``/``RecordingDuration``/``RecordingSid`` (+ ``Digits``) to
  ``action`` (default: current document), then ``recordingStatusCallback`` gets ``AccountSid``,
  ``CallSid``, ``RecordingSid``, ``RecordingUrl``, ``RecordingStatus``, ``RecordingDuration``,
  ``RecordingChannels``, ``RecordingStartTime`` and ``RecordingSource=RecordVerb`` only.

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
same effect. ``channels.twilio_http.build_client`` does it the ``base_url`` way, and the tests
use it too, so they drive the very client the gateway uses.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import math
import secrets
import uuid
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import aiohttp
import phonenumbers
import yarl
from aiohttp import web

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
    21200: "Calls Resource",
    21201: "No 'To' number specified",
    21205: "Invalid URL",
    21211: "Invalid 'To' Phone Number",
    21213: "'From' phone number is required",
    21220: "Call is not in-progress. Cannot redirect.",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
}

# Call states after which nothing more happens to a call.
TERMINAL_CALL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
# AnsweredBy values each MachineDetection mode can produce.
ANSWERED_BY = {
    "Enable": frozenset({"human", "machine_start", "fax", "unknown"}),
    "DetectMessageEnd": frozenset(
        {"human", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax", "unknown"}
    ),
}
# Verbs Twilio executes without waiting for the caller or fetching anything; execution moves on.
_PASS_THROUGH_VERBS = frozenset({"Say", "Play", "Pause", "Start", "Stop"})


def twilio_error(status: int, code: int, message: str | None = None) -> dict[str, Any]:
    """The JSON body Twilio's REST API sends with an error (the legacy, non-RFC-9457 shape)."""
    return {
        "code": code,
        "message": message or ERROR_MESSAGES.get(code, "Error"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _rfc2822(moment: datetime) -> str:
    """Twilio's v2010 timestamp format, e.g. ``Thu, 30 Jul 2015 20:12:31 +0000``."""
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def _parse_number(number: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(number)
    except phonenumbers.NumberParseException:  # client:alice, sip:..., garbage
        return None


def _formatted(number: str) -> str:
    """``to_formatted``/``from_formatted``: national format in North America, else E.164."""
    parsed = _parse_number(number)
    if parsed is None:
        return number
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == 1
        else phonenumbers.PhoneNumberFormat.E164
    )
    return phonenumbers.format_number(parsed, style)


def _country(number: str) -> str:
    """The ISO country Twilio puts in ``FromCountry``/``ToCountry`` ("" when unknown)."""
    parsed = _parse_number(number)
    if parsed is None or parsed.country_code is None:
        return ""
    # Test numbers such as +1500... are not "valid", so fall back to the calling code's region.
    region = phonenumbers.region_code_for_number(
        parsed
    ) or phonenumbers.region_code_for_country_code(parsed.country_code)
    return "" if region in (None, "ZZ") else region


def _with_query(url: str, query: str) -> str:
    """``url`` with ``query`` appended, the way Twilio appends parameters to a GET webhook."""
    if not query:
        return url
    return f"{url}{'&' if urlsplit(url).query else '?'}{query}"


def _is_absolute(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


class TwimlError(ValueError):
    """The app answered a voice webhook with something Twilio could not execute."""


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
    method: str = "POST"


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
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    webhooks: list[SentWebhook] = field(default_factory=list)
    _failures: deque[_Failure] = field(default_factory=deque)
    # public base URL -> local base URL (see route_public)
    _routes: dict[str, str] = field(default_factory=dict)
    # The latest TwiML document each call is executing.
    _steps: dict[str, VoiceStep] = field(default_factory=dict)
    # Webhooks Twilio sends after answering a REST request (hang-up callbacks, redirects).
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
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
        app.router.add_post(f"{prefix}/Calls.json", self._create_call)
        app.router.add_get(f"{prefix}/Calls.json", self._list_calls)
        app.router.add_get(f"{prefix}/Calls/{{sid}}.json", self._fetch_call)
        app.router.add_post(f"{prefix}/Calls/{{sid}}.json", self._update_call)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        """Cancel pending background webhooks, close the webhook session and the server."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
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
        return [
            r for r in self.requests if r.method == "POST" and r.path.endswith("/Messages.json")
        ]

    def call_requests(self) -> list[RecordedRequest]:
        """The recorded Calls create and update requests, oldest first."""
        return [r for r in self.requests if r.method == "POST" and "/Calls" in r.path]

    def route_public(self, public_base: str, local_base: str) -> None:
        """Deliver webhooks for URLs under ``public_base`` to the same path under ``local_base``.

        Twilio is configured with the public URL (``PARLEY_PUBLIC_URL``) and signs over it; the
        gateway under test listens on ``local_base``. Every webhook the emulator posts to a URL
        under ``public_base`` is still signed over the public URL but sent to the local one.
        """
        self._routes[public_base.rstrip("/")] = local_base.rstrip("/")

    def local_url(self, url: str) -> str:
        """Where a webhook for ``url`` is actually sent (``url`` itself when no route matches)."""
        for public in sorted(self._routes, key=len, reverse=True):
            rest = url[len(public) :]
            # Match whole path segments only: https://a.example must not capture https://a.examplex.
            if url.startswith(public) and rest[:1] in ("", "/", "?", "#"):
                return self._routes[public] + rest
        return url

    def last_step(self, call_sid: str) -> VoiceStep | None:
        """The TwiML document call ``call_sid`` is executing now (after any redirect)."""
        return self._steps.get(call_sid)

    async def settle(self) -> None:
        """Wait for the webhooks Twilio sends on its own after a REST request, re-raising errors.

        Hanging up or redirecting a call through the REST API makes Twilio post the status
        callback / fetch the new TwiML *after* answering the API request, so the emulator does
        it in the background too; tests await this before looking at what was sent.
        """
        while self._tasks:
            tasks = list(self._tasks)
            results = await asyncio.gather(*tasks, return_exceptions=True)
            self._tasks.difference_update(tasks)
            for result in results:
                if isinstance(result, BaseException):
                    raise result

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)

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
        return self._page(request, "Messages", self.messages, (("To", "to"), ("From", "from")))

    def _page(
        self,
        request: web.Request,
        resource: str,
        store: dict[str, dict[str, Any]],
        filters: tuple[tuple[str, str], ...],
    ) -> web.Response:
        """One page of a v2010 list, newest first, filtered on exact field matches."""
        query = request.query
        found = [
            self._public(item)
            for item in reversed(store.values())  # Twilio lists newest first
            if all(query.get(k) in (None, item[f]) for k, f in filters)
        ]
        size = max(1, min(int(query.get("PageSize", "50")), 1000))
        page = max(0, int(query.get("Page", "0")))
        chunk = found[page * size : (page + 1) * size]
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/{resource}.json"
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

    # -- Calls REST API --------------------------------------------------------------------------

    async def _create_call(self, request: web.Request) -> web.Response:
        recorded, error = await self._record(request)
        if error is not None:
            return error
        form = {name: values[-1] for name, values in recorded.form.items()}
        if not form.get("To"):
            return web.json_response(twilio_error(400, 21201), status=400)
        if not form.get("From"):
            return web.json_response(twilio_error(400, 21213), status=400)
        url = form.get("Url") or None
        twiml = None if url else form.get("Twiml") or None  # with both, Twilio ignores Twiml
        if url is None and twiml is None and not form.get("ApplicationSid"):
            body = twilio_error(400, 21205, "Url parameter is required.")
            return web.json_response(body, status=400)
        for name in ("Url", "StatusCallback", "AsyncAmdStatusCallback", "FallbackUrl"):
            # AsyncAmdStatusCallback may be relative (to Url); the others must be absolute.
            value = form.get(name)
            if value and not (_is_absolute(value) or (name == "AsyncAmdStatusCallback" and url)):
                body = twilio_error(400, 21205, f"{name} is not a valid URL: {value}")
                return web.json_response(body, status=400)
        now = datetime.now(UTC)
        sid = "CA" + uuid.uuid4().hex
        events = [
            event
            for value in recorded.form.get("StatusCallbackEvent", [])
            for event in value.split()  # TwiML-style "initiated ringing" works too
        ]
        # SendDigits switches answering machine detection off.
        detection = None if form.get("SendDigits") else form.get("MachineDetection") or None
        self.calls[sid] = {
            **self._call_resource(sid, form["To"], form["From"], "outbound-api", now),
            "_url": url,
            "_method": form.get("Method", "POST"),
            "_twiml": twiml,
            "_status_callback": form.get("StatusCallback") or None,
            "_status_callback_method": form.get("StatusCallbackMethod", "POST"),
            "_status_callback_events": events or ["completed"],
            "_machine_detection": detection,
            "_async_amd": form.get("AsyncAmd", "false").lower() == "true",
            "_async_amd_status_callback": form.get("AsyncAmdStatusCallback") or None,
            "_async_amd_status_callback_method": form.get("AsyncAmdStatusCallbackMethod", "POST"),
        }
        return web.json_response(self._public(self.calls[sid]), status=201)

    def _call_resource(
        self, sid: str, to: str, from_: str, direction: str, now: datetime
    ) -> dict[str, Any]:
        """A new Call resource as Twilio returns it, plus the emulator's private bookkeeping."""
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{sid}"
        sub = [
            "events",
            "notifications",
            "payments",
            "recordings",
            "siprec",
            "streams",
            "transcriptions",
            "user_defined_message_subscriptions",
            "user_defined_messages",
        ]
        # The IncomingPhoneNumber (inbound) or OutgoingCallerId (outbound): stable per number.
        ours = to if direction == "inbound" else from_
        number_sid = "PN" + hashlib.sha256(ours.encode()).hexdigest()[:32]
        return {
            "account_sid": self.account_sid,
            "answered_by": None,
            "api_version": API_VERSION,
            "caller_name": None,
            "date_created": _rfc2822(now),
            "date_updated": _rfc2822(now),
            "direction": direction,
            "duration": None,
            "end_time": None,
            "forwarded_from": None,
            "from": from_,
            "from_formatted": _formatted(from_),
            "group_sid": None,
            "parent_call_sid": None,
            "phone_number_sid": number_sid,
            "price": None,
            "price_unit": "USD",
            "queue_time": "0",
            "sid": sid,
            "start_time": None,
            "status": "queued",
            "stir_verstat": None,
            "subresource_uris": {name: f"{uri}/{_camel(name)}.json" for name in sub},
            "to": to,
            "to_formatted": _formatted(to),
            "trunk_sid": None,
            "uri": f"{uri}.json",
            "_sequence": 0,
            "_events_sent": [],
            "_started_at": None,
            "_url": None,
            "_method": "POST",
            "_twiml": None,
            "_status_callback": None,
            "_status_callback_method": "POST",
            "_status_callback_events": ["completed"],
            "_machine_detection": None,
            "_async_amd": False,
            "_async_amd_status_callback": None,
            "_async_amd_status_callback_method": "POST",
            "_extra_params": {},
        }

    async def _fetch_call(self, request: web.Request) -> web.Response:
        _, error = await self._record(request)
        if error is not None:
            return error
        call = self.calls.get(request.match_info["sid"])
        if call is None:
            return web.json_response(twilio_error(404, 20404), status=404)
        return web.json_response(self._public(call))

    async def _list_calls(self, request: web.Request) -> web.Response:
        _, error = await self._record(request)
        if error is not None:
            return error
        filters = (("To", "to"), ("From", "from"), ("Status", "status"))
        return self._page(
            request, "Calls", self.calls, (*filters, ("ParentCallSid", "parent_call_sid"))
        )

    async def _update_call(self, request: web.Request) -> web.Response:
        recorded, error = await self._record(request)
        if error is not None:
            return error
        sid = request.match_info["sid"]
        call = self.calls.get(sid)
        if call is None:
            return web.json_response(twilio_error(404, 20404), status=404)
        form = {name: values[-1] for name, values in recorded.form.items()}
        status = form.get("Status")
        if status not in (None, "completed", "canceled"):
            body = twilio_error(400, 21200, f"Invalid Status: {status}")
            return web.json_response(body, status=400)
        url = form.get("Url") or None
        twiml = None if url else form.get("Twiml") or None
        if url and not _is_absolute(url):
            return web.json_response(twilio_error(400, 21205), status=400)
        if (url or twiml) and call["status"] in TERMINAL_CALL_STATUSES:
            return web.json_response(twilio_error(400, 21220), status=400)
        if form.get("StatusCallback"):
            call["_status_callback"] = form["StatusCallback"]
            call["_status_callback_method"] = form.get("StatusCallbackMethod", "POST")
        ringing = call["status"] in ("queued", "ringing")
        final = None
        if ringing and status in ("canceled", "completed"):
            final = "canceled"  # the call never connected
        elif status == "completed" and call["status"] == "in-progress":
            final = "completed"  # "canceled" would leave an in-progress call alone
        if final is not None:
            seconds = self._end_resource(call, final, None)
            # Twilio answers first and reports the hang-up through the status callback after.
            self._spawn(self._final_callback(sid, final, seconds))
        elif (url or twiml) and ringing:
            # Not answered yet: the new instructions are what it fetches when answered.
            call["_url"], call["_twiml"] = url, twiml
            call["_method"] = form.get("Method", "POST")
        elif url or twiml:
            self._spawn(self._redirect(sid, url, form.get("Method", "POST"), twiml))
        call["date_updated"] = _rfc2822(datetime.now(UTC))
        return web.json_response(self._public(call))

    async def _redirect(
        self, call_sid: str, url: str | None, method: str, twiml: str | None
    ) -> None:
        """Make the call execute new TwiML, as Twilio does after a REST update with Url/Twiml."""
        if url is not None:
            await self._fetch_step(call_sid, method, url, self._call_params(call_sid))
        else:
            previous = self._steps.get(call_sid)
            self._inline_step(call_sid, twiml or "", previous.url if previous else None)

    def _end_resource(self, call: dict[str, Any], status: str, duration: int | None) -> int:
        """Put a call in its final state; return the duration reported in callbacks."""
        now = datetime.now(UTC)
        seconds = 0
        if status == "completed":
            started = call["_started_at"] or now
            elapsed = math.ceil((now - started).total_seconds())
            seconds = elapsed if duration is None else duration
            call["end_time"] = _rfc2822(now)
            call["duration"] = str(seconds)
        call["status"] = status
        call["date_updated"] = _rfc2822(now)
        return seconds

    async def _final_callback(self, call_sid: str, status: str, seconds: int) -> None:
        await self._status_event(call_sid, "completed", status, {"CallDuration": str(seconds)})

    # -- webhooks --------------------------------------------------------------------------------

    async def post_signed(
        self, url: str, params: dict[str, str], *, public_url: str | None = None
    ) -> SentWebhook:
        """POST ``params`` form-encoded to ``url``, signed over ``public_url`` (default ``url``).

        ``public_url`` is the address Twilio was configured with (``PARLEY_PUBLIC_URL`` + path);
        the request itself goes to ``url``, which is where the gateway listens in the test.
        Without ``public_url``, ``url`` is the configured address and ``route_public`` applies.
        """
        return await self._deliver(
            "POST", public_url or url, params, target=url if public_url else None
        )

    async def _deliver(
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
            signed_url = _with_query(twilio_url, query)
            send_to = _with_query(send_to, query)
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
                send_to,
                signed_url,
                params,
                signature,
                response.status,
                await response.text(),
                verb,
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

        ``url`` defaults to the StatusCallback given at create time, which is a public URL:
        it is delivered through ``route_public`` unless ``public_url`` is given.
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

    # -- voice -----------------------------------------------------------------------------------

    async def start_inbound_call(
        self,
        url: str,
        *,
        from_: str,
        to: str,
        public_url: str | None = None,
        call_sid: str | None = None,
        status_callback: str | None = None,
        extra: dict[str, str] | None = None,
    ) -> VoiceStep:
        """Post the voice webhook Twilio sends when ``from_`` dials the Twilio number ``to``.

        ``public_url`` is the number's configured Voice URL; the request goes to ``url``. Given
        both, the public base they differ by is routed to the local one (``route_public``), so
        relative and absolute public URLs in the TwiML reach the gateway too. Without
        ``public_url``, ``url`` is the configured URL and existing routes apply.
        ``status_callback`` is the number's call status callback (``completed`` only).
        """
        if public_url is not None and public_url != url:
            self._learn_route(public_url, url)
        sid = call_sid or "CA" + uuid.uuid4().hex
        call = self._call_resource(sid, to, from_, "inbound", datetime.now(UTC))
        call["status"] = "ringing"
        call["_status_callback"] = status_callback
        call["_extra_params"] = dict(extra or {})
        self.calls[sid] = call
        params = self._call_params(sid)
        # Twilio has answered by the time the TwiML runs; later requests say "in-progress".
        call["status"] = "in-progress"
        call["_started_at"] = datetime.now(UTC)
        call["start_time"] = _rfc2822(call["_started_at"])
        target = url if public_url is not None else None
        return await self._fetch_step(sid, "POST", public_url or url, params, target=target)

    async def ring_call(self, call_sid: str) -> list[SentWebhook]:
        """Dial the callee of a REST-created call: ``initiated`` then ``ringing`` callbacks.

        Each event is posted only if the call subscribed to it (``StatusCallbackEvent``) and it
        was not sent yet. ``answer_call`` and ``end_call`` ring first when needed, so call this
        only to observe the ringing phase (e.g. before ``end_call(sid, "no-answer")``).
        """
        call = self._outbound(call_sid)
        if call["status"] not in ("queued", "ringing"):
            raise RuntimeError(f"call {call_sid} is {call['status']}, it cannot ring")
        call["status"] = "ringing"
        sent: list[SentWebhook] = []
        for event, call_status in (("initiated", "initiated"), ("ringing", "ringing")):
            webhook = await self._status_event(call_sid, event, call_status, {})
            if webhook is not None:
                sent.append(webhook)
        return sent

    async def answer_call(
        self,
        call_sid: str,
        *,
        answered_by: str = "human",
        url_base: str | None = None,
        machine_detection_duration: int = 2400,
    ) -> VoiceStep:
        """Pick up a call created through the REST API and fetch its TwiML.

        Sends the ``initiated``/``ringing``/``answered`` callbacks the call subscribed to, then
        requests ``Url`` with ``CallStatus=in-progress`` and ``Direction=outbound-api``. With
        ``MachineDetection``, ``answered_by`` (human | machine_start | machine_end_beep |
        machine_end_silence | machine_end_other | fax | unknown, as the mode allows) is sent as
        ``AnsweredBy`` on that request, or, with ``AsyncAmd=true``, posted afterwards to
        ``AsyncAmdStatusCallback`` with ``MachineDetectionDuration`` (ms). A call created with
        ``Twiml`` fetches nothing; ``url_base`` is then the URL its relative URLs resolve against.
        """
        call = self._outbound(call_sid)
        detection = call["_machine_detection"]
        if detection is None and answered_by != "human":
            raise ValueError(f"call {call_sid} was created without MachineDetection")
        if detection is not None and answered_by not in ANSWERED_BY.get(detection, frozenset()):
            raise ValueError(f"MachineDetection={detection} cannot answer {answered_by!r}")
        await self.ring_call(call_sid)
        now = datetime.now(UTC)
        call.update(status="in-progress", start_time=_rfc2822(now), date_updated=_rfc2822(now))
        call["_started_at"] = now
        if detection is not None:
            call["answered_by"] = answered_by
        await self._status_event(call_sid, "answered", "in-progress", {})
        params = self._call_params(call_sid)
        if detection is not None and not call["_async_amd"]:
            # Synchronous AMD: the Url request waits for the verdict and carries it.
            params["AnsweredBy"] = answered_by
        if call["_url"] is not None:
            step = await self._fetch_step(call_sid, call["_method"], call["_url"], params)
        else:
            step = self._inline_step(call_sid, call["_twiml"] or "", url_base)
        amd_callback = call["_async_amd_status_callback"]
        if detection is not None and call["_async_amd"] and amd_callback:
            amd_params = {
                "AccountSid": self.account_sid,
                "AnsweredBy": answered_by,
                "CallSid": call_sid,
                "MachineDetectionDuration": str(machine_detection_duration),
            }
            amd_url = urljoin(call["_url"] or url_base or "", amd_callback)
            await self._deliver(call["_async_amd_status_callback_method"], amd_url, amd_params)
        return step

    async def end_call(
        self, call_sid: str, status: str = "completed", *, duration: int | None = None
    ) -> SentWebhook | None:
        """End a call and post its final status callback, if it has one and wants ``completed``.

        ``status`` is completed | no-answer | busy | failed | canceled. ``completed`` needs an
        answered call and reports ``duration`` seconds (default: time since it was answered) as
        ``CallDuration``; the others need an unanswered call (``failed`` either) and report 0.
        """
        call = self.calls[call_sid]
        if status not in TERMINAL_CALL_STATUSES:
            raise ValueError(f"not a final call status: {status!r}")
        if call["status"] in TERMINAL_CALL_STATUSES:
            raise RuntimeError(f"call {call_sid} already ended ({call['status']})")
        answered = call["status"] == "in-progress"
        if status == "completed" and not answered:
            raise ValueError("only an answered call can be completed; answer_call first")
        if status in ("no-answer", "busy", "canceled") and answered:
            raise ValueError(f"an answered call cannot end as {status}")
        if call["direction"] == "outbound-api" and status in ("no-answer", "canceled"):
            await self.ring_call(call_sid)  # these calls rang before they ended
        seconds = self._end_resource(call, status, duration)
        extra = {"CallDuration": str(seconds)}
        return await self._status_event(call_sid, "completed", status, extra)

    def _outbound(self, call_sid: str) -> dict[str, Any]:
        call = self.calls[call_sid]
        if call["direction"] != "outbound-api":
            raise ValueError(f"call {call_sid} is {call['direction']}, not created via the API")
        return call

    def _call_params(self, call_sid: str) -> dict[str, str]:
        """The parameters Twilio sends with every voice request about this call."""
        call = self.calls[call_sid]
        return {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": call_sid,
            "CallStatus": call["status"],
            "Called": call["to"],
            "CalledCountry": _country(call["to"]),
            "Caller": call["from"],
            "CallerCountry": _country(call["from"]),
            "Direction": call["direction"],
            "From": call["from"],
            "FromCountry": _country(call["from"]),
            "To": call["to"],
            "ToCountry": _country(call["to"]),
            **call["_extra_params"],
        }

    async def _status_event(
        self, call_sid: str, event: str, call_status: str, extra: dict[str, str]
    ) -> SentWebhook | None:
        """Post one call-progress event to the call's StatusCallback, if it subscribed to it."""
        call = self.calls[call_sid]
        url = call["_status_callback"]
        if url is None or event not in call["_status_callback_events"]:
            return None
        if event in call["_events_sent"]:
            return None
        call["_events_sent"].append(event)
        params = {
            **self._call_params(call_sid),
            "CallStatus": call_status,
            "CallbackSource": "call-progress-events",
            "SequenceNumber": str(call["_sequence"]),
            "Timestamp": _rfc2822(datetime.now(UTC)),
            **extra,
        }
        if call["answered_by"] is not None:
            params["AnsweredBy"] = call["answered_by"]
        call["_sequence"] += 1
        return await self._deliver(call["_status_callback_method"], url, params)

    async def _fetch_step(
        self,
        call_sid: str,
        method: str,
        url: str,
        params: dict[str, str],
        *,
        target: str | None = None,
    ) -> VoiceStep:
        """Request TwiML from ``url`` (the public URL) and make it the call's current document."""
        if self.calls[call_sid]["status"] in TERMINAL_CALL_STATUSES:
            raise RuntimeError(f"call {call_sid} has ended; Twilio would not request {url}")
        sent = await self._deliver(method, url, params, target=target)
        root = _parse_twiml(sent.body) if 200 <= sent.status < 300 else None
        step = VoiceStep(self, call_sid, url, sent.status, sent.body, root, webhook=sent)
        self._steps[call_sid] = step
        return step

    def _inline_step(self, call_sid: str, twiml: str, url: str | None) -> VoiceStep:
        step = VoiceStep(self, call_sid, url, None, twiml, _parse_twiml(twiml))
        self._steps[call_sid] = step
        return step

    def _learn_route(self, public_url: str, local_url: str) -> None:
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


def _camel(name: str) -> str:
    """``user_defined_messages`` -> ``UserDefinedMessages`` (subresource URI segments)."""
    return "".join(part.capitalize() for part in name.split("_"))


def _parse_twiml(body: str) -> ET.Element:
    """Parse a voice webhook's answer; Twilio rejects anything but a ``<Response>`` document."""
    try:
        # The TwiML comes from the app under test on localhost, not from an untrusted party.
        root = ET.fromstring(body.encode("utf-8"))  # noqa: S314
    except ET.ParseError as exc:
        raise TwimlError(f"TwiML is not XML ({exc}): {body[:200]!r}") from exc
    if root.tag != "Response":
        raise TwimlError(f"TwiML root must be <Response>, got <{root.tag}>")
    return root


@dataclass(frozen=True)
class VoiceStep:
    """One TwiML document a call is executing, and the caller's ways to move the call on.

    ``url`` is the document's public URL (what relative URLs resolve against; None for inline
    ``Twiml`` without ``url_base``), ``status`` the HTTP status it was served with (None for
    inline TwiML), ``root`` the parsed ``<Response>`` (None when the app answered non-2xx, which
    makes Twilio say an error and hang up). ``position`` is the index of the next verb to run:
    the inspection helpers only look at verbs from there on, so after ``silence()`` fell
    through a ``<Gather>`` they describe what Twilio does next.
    """

    emulator: TwilioEmulator = field(repr=False)
    call_sid: str
    url: str | None
    status: int | None
    body: str
    root: ET.Element | None
    position: int = 0
    webhook: SentWebhook | None = None

    # -- inspection ------------------------------------------------------------------------------

    @property
    def verbs(self) -> list[ET.Element]:
        """The top-level verbs still to be executed."""
        return [] if self.root is None else list(self.root)[self.position :]

    def _all(self) -> Iterator[ET.Element]:
        for verb in self.verbs:
            yield from verb.iter()

    def says(self) -> list[str]:
        """The text of every ``<Say>`` still to run, including those nested in ``<Gather>``."""
        return ["".join(el.itertext()).strip() for el in self._all() if el.tag == "Say"]

    def _first(self, tag: str) -> ET.Element | None:
        return next((verb for verb in self.verbs if verb.tag == tag), None)

    @property
    def gather(self) -> ET.Element | None:
        """The first ``<Gather>`` (its ``attrib`` holds action, input, numDigits, timeout...)."""
        return self._first("Gather")

    @property
    def record(self) -> ET.Element | None:
        """The first ``<Record>``."""
        return self._first("Record")

    @property
    def dial(self) -> ET.Element | None:
        """The first ``<Dial>``."""
        return self._first("Dial")

    @property
    def redirect(self) -> ET.Element | None:
        """The first ``<Redirect>``; its text is the URL."""
        return self._first("Redirect")

    @property
    def hangup(self) -> bool:
        """Whether the document hangs up explicitly (``<Hangup/>`` or ``<Reject/>``)."""
        return any(verb.tag in ("Hangup", "Reject") for verb in self.verbs)

    @property
    def ends_call(self) -> bool:
        """Whether Twilio hangs up after this document.

        True on an explicit ``<Hangup/>``/``<Reject/>``, on a non-2xx answer (Twilio says an
        application error occurred and hangs up), and when only verbs that neither wait for the
        caller nor fetch anything are left: Twilio ends the call when it runs out of verbs.
        """
        if self.root is None or self.hangup:
            return True
        return all(verb.tag in _PASS_THROUGH_VERBS for verb in self.verbs)

    # -- moving the call on ----------------------------------------------------------------------

    async def press(self, digits: str) -> VoiceStep:
        """The caller presses ``digits`` during the ``<Gather>``; returns the next document.

        Collection stops after ``numDigits`` digits or at ``finishOnKey`` (default ``#``, not
        itself sent, and ignored before the first digit); keys after that are lost. Nothing
        collected means the gather timed out: see ``silence``.
        """
        gather = self._need(self.gather, "<Gather>")
        if "dtmf" not in (gather.get("input") or "dtmf").split():
            raise ValueError(f"<Gather input={gather.get('input')!r}> ignores key presses")
        finish = gather.get("finishOnKey", "#")
        limit = int(gather.get("numDigits") or 0) or None
        collected = ""
        for key in digits:
            if limit is not None and len(collected) >= limit:
                break
            if finish and key in finish:
                if collected:
                    break
                continue
            collected += key
        if not collected:
            return await self.silence()
        return await self._submit(gather, {"Digits": collected})

    async def speak(self, text: str, confidence: float = 0.9) -> VoiceStep:
        """The caller says ``text`` during a speech ``<Gather>``; returns the next document."""
        gather = self._need(self.gather, "<Gather>")
        if "speech" not in (gather.get("input") or "dtmf").split():
            raise ValueError(f"<Gather input={gather.get('input')!r}> does not listen to speech")
        return await self._submit(gather, {"SpeechResult": text, "Confidence": str(confidence)})

    async def silence(self) -> VoiceStep:
        """The ``<Gather>`` times out with no input.

        Twilio then runs the verbs after the ``<Gather>``: a ``<Redirect>`` there is followed
        (after any ``<Say>``/``<Play>``), anything else becomes the current document position;
        with ``actionOnEmptyResult="true"`` it posts to ``action`` without input instead.
        """
        gather = self._need(self.gather, "<Gather>")
        if gather.get("actionOnEmptyResult", "false").lower() == "true":
            return await self._submit(gather, {})
        return await self._run_from(self._index(gather) + 1)

    async def follow_redirect(self) -> VoiceStep:
        """Follow the ``<Redirect>`` (relative URLs resolve against this document's URL)."""
        redirect = self._need(self.redirect, "<Redirect>")
        url = self._resolve((redirect.text or "").strip())
        params = self.emulator._call_params(self.call_sid)
        method = redirect.get("method", "POST")
        return await self.emulator._fetch_step(self.call_sid, method, url, params)

    async def finish_recording(
        self, recording_sid: str | None = None, duration: int = 12, *, digits: str | None = None
    ) -> VoiceStep:
        """The ``<Record>`` ends: post its action, then the recording status callback.

        The action (default: this document) gets ``RecordingUrl``, ``RecordingDuration``,
        ``RecordingSid`` and ``Digits`` when a key ended the recording; its answer is returned.
        ``recordingStatusCallback`` (when set and subscribed to ``completed``) then gets the
        recording-only parameters Twilio sends there, once the file is "processed".
        """
        record = self._need(self.record, "<Record>")
        sid = recording_sid or "RE" + uuid.uuid4().hex
        emulator = self.emulator
        recording_url = (
            f"{emulator.base_url}/{API_VERSION}/Accounts/{emulator.account_sid}/Recordings/{sid}"
        )
        started = datetime.now(UTC)
        params = {
            "RecordingDuration": str(duration),
            "RecordingSid": sid,
            "RecordingUrl": recording_url,
        }
        if digits is not None:
            params["Digits"] = digits
        next_step = await self._submit(record, params)
        callback = record.get("recordingStatusCallback")
        events = (record.get("recordingStatusCallbackEvent") or "completed").split()
        if callback and "completed" in events:
            status_params = {
                "AccountSid": emulator.account_sid,
                "CallSid": self.call_sid,
                "RecordingChannels": "1",
                "RecordingDuration": str(duration),
                "RecordingSid": sid,
                "RecordingSource": "RecordVerb",
                "RecordingStartTime": _rfc2822(started),
                "RecordingStatus": "completed",
                "RecordingUrl": recording_url,
            }
            method = record.get("recordingStatusCallbackMethod", "POST")
            await emulator._deliver(method, self._resolve(callback), status_params)
        return next_step

    async def finish_dial(
        self, status: str = "completed", duration: int = 0, *, dial_call_sid: str | None = None
    ) -> VoiceStep:
        """The ``<Dial>``ed party hangs up (or never answers): post ``DialCallStatus``,
        ``DialCallSid`` and ``DialCallDuration`` to ``action``, or without an action run the
        verbs after ``<Dial>``."""
        dial = self._need(self.dial, "<Dial>")
        if dial.get("action") is None:
            return await self._run_from(self._index(dial) + 1)
        params = {
            "DialCallDuration": str(duration),
            "DialCallSid": dial_call_sid or "CA" + uuid.uuid4().hex,
            "DialCallStatus": status,
        }
        return await self._submit(dial, params)

    # -- internals -------------------------------------------------------------------------------

    def _need(self, element: ET.Element | None, what: str) -> ET.Element:
        if element is None:
            raise AssertionError(f"no {what} left in the TwiML: {self.body[:300]!r}")
        return element

    def _index(self, element: ET.Element) -> int:
        assert self.root is not None
        return list(self.root).index(element)

    def _resolve(self, url: str) -> str:
        """``url`` resolved against this document, like Twilio (empty: this document)."""
        if _is_absolute(url):
            return url
        if self.url is None:
            raise ValueError(f"relative URL {url!r} in TwiML with no document URL (url_base)")
        return urljoin(self.url, url)

    async def _submit(self, verb: ET.Element, extra: dict[str, str]) -> VoiceStep:
        """Post the call parameters plus ``extra`` to ``verb``'s action; return its TwiML."""
        url = self._resolve(verb.get("action", ""))
        params = {**self.emulator._call_params(self.call_sid), **extra}
        method = verb.get("method", "POST")
        return await self.emulator._fetch_step(self.call_sid, method, url, params)

    async def _run_from(self, index: int) -> VoiceStep:
        """Execute verbs from ``index`` until one waits for the caller or fetches TwiML."""
        for position, verb in enumerate(self.verbs_from(index), start=index):
            if verb.tag in _PASS_THROUGH_VERBS:
                continue
            here = replace(self, position=position)
            if verb.tag == "Redirect":
                return await here.follow_redirect()
            self.emulator._steps[self.call_sid] = here
            return here
        end = replace(self, position=len(self.verbs_from(0)))
        self.emulator._steps[self.call_sid] = end
        return end

    def verbs_from(self, index: int) -> list[ET.Element]:
        """The top-level verbs of the document from ``index`` on (ignoring ``position``)."""
        return [] if self.root is None else list(self.root)[index:]
