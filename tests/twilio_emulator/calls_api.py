"""The Calls REST resource: create, fetch, list, and update (hang up or redirect) calls.

Behaviour taken from Twilio's docs and the SDK's generated docstrings (not guessed):

* Create: ``Url`` must be absolute (21205), ``To`` is required (21201), ``From`` is required
  (21213); with both ``Url`` and ``Twiml`` the ``Twiml`` is ignored; ``MachineDetection`` is
  ignored when ``SendDigits`` is given; ``StatusCallback`` without ``StatusCallbackEvent`` only
  gets the ``completed`` event (which is also what busy/no-answer/failed/canceled are reported
  under, with the real status in ``CallStatus``).
* Update: ``Status=canceled`` only affects queued/ringing calls, ``Status=completed`` hangs up
  even an in-progress call; redirecting (``Url``/``Twiml``) a finished call is 21220.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web

from .call_resource import TERMINAL_CALL_STATUSES, finish, new_call
from .formats import account_path, is_absolute, new_sid, rfc2822
from .rest import (
    RecordedRequest,
    Resource,
    RestGate,
    error_response,
    fetch_response,
    page_response,
    public_view,
)
from .voice import Voice


def _instructions(form: dict[str, str]) -> tuple[str | None, str | None]:
    """The ``Url`` and ``Twiml`` a create or update gives; with both, Twilio ignores ``Twiml``."""
    url = form.get("Url") or None
    return url, None if url else form.get("Twiml") or None


@dataclass
class CallsApi:
    """The REST side of the account's calls (``store``, by SID); ``voice`` carries them out."""

    account_sid: str
    store: dict[str, Resource]
    voice: Voice

    def add_routes(self, router: web.UrlDispatcher, gate: RestGate) -> None:
        """Serve the Calls endpoints the SDK calls, behind ``gate``."""
        base = f"{account_path('{account_sid}')}/Calls"
        router.add_post(f"{base}.json", gate.guard(self._create))
        router.add_get(f"{base}.json", gate.guard(self._list))
        router.add_get(f"{base}/{{sid}}.json", gate.guard(self._fetch))
        router.add_post(f"{base}/{{sid}}.json", gate.guard(self._update))

    async def _create(self, request: web.Request, recorded: RecordedRequest) -> web.Response:
        form = recorded.fields()
        if not form.get("To"):
            return error_response(400, 21201)
        if not form.get("From"):
            return error_response(400, 21213)
        url, twiml = _instructions(form)
        if url is None and twiml is None and not form.get("ApplicationSid"):
            return error_response(400, 21205, "Url parameter is required.")
        for name in ("Url", "StatusCallback", "AsyncAmdStatusCallback", "FallbackUrl"):
            # AsyncAmdStatusCallback may be relative (to Url); the others must be absolute.
            value = form.get(name)
            if value and not (is_absolute(value) or (name == "AsyncAmdStatusCallback" and url)):
                return error_response(400, 21205, f"{name} is not a valid URL: {value}")
        sid = new_sid("CA")
        events = [
            event
            for value in recorded.form.get("StatusCallbackEvent", [])
            for event in value.split()  # TwiML-style "initiated ringing" works too
        ]
        # SendDigits switches answering machine detection off.
        detection = None if form.get("SendDigits") else form.get("MachineDetection") or None
        call = new_call(
            self.account_sid, sid, form["To"], form["From"], "outbound-api", datetime.now(UTC)
        )
        call.update(
            {
                "_url": url,
                "_method": form.get("Method", "POST"),
                "_twiml": twiml,
                "_status_callback": form.get("StatusCallback") or None,
                "_status_callback_method": form.get("StatusCallbackMethod", "POST"),
                "_status_callback_events": events or ["completed"],
                "_machine_detection": detection,
                "_async_amd": form.get("AsyncAmd", "false").lower() == "true",
                "_async_amd_status_callback": form.get("AsyncAmdStatusCallback") or None,
                "_async_amd_status_callback_method": form.get(
                    "AsyncAmdStatusCallbackMethod", "POST"
                ),
            }
        )
        self.store[sid] = call
        return web.json_response(public_view(call), status=201)

    async def _fetch(self, request: web.Request, recorded: RecordedRequest) -> web.Response:
        return fetch_response(self.store, request.match_info["sid"])

    async def _list(self, request: web.Request, recorded: RecordedRequest) -> web.Response:
        filters = (
            ("To", "to"),
            ("From", "from"),
            ("Status", "status"),
            ("ParentCallSid", "parent_call_sid"),
        )
        return page_response(request, self.account_sid, "Calls", self.store, filters)

    async def _update(self, request: web.Request, recorded: RecordedRequest) -> web.Response:
        sid = request.match_info["sid"]
        call = self.store.get(sid)
        if call is None:
            return error_response(404, 20404)
        form = recorded.fields()
        status = form.get("Status")
        if status not in (None, "completed", "canceled"):
            return error_response(400, 21200, f"Invalid Status: {status}")
        url, twiml = _instructions(form)
        if url and not is_absolute(url):
            return error_response(400, 21205)
        if (url or twiml) and call["status"] in TERMINAL_CALL_STATUSES:
            return error_response(400, 21220)
        if form.get("StatusCallback"):
            call["_status_callback"] = form["StatusCallback"]
            call["_status_callback_method"] = form.get("StatusCallbackMethod", "POST")
        ringing = call["status"] in ("queued", "ringing")
        final = None
        if ringing and status in ("canceled", "completed"):
            final = "canceled"  # the call never connected
        elif status == "completed" and call["status"] == "in-progress":
            final = "completed"  # "canceled" would leave an in-progress call alone
        # Twilio answers the request first and sends the resulting webhooks after.
        if final is not None:
            seconds = finish(call, final, None)
            self.voice.sender.spawn(self.voice.report_end(sid, final, seconds))
        elif (url or twiml) and ringing:
            # Not answered yet: the new instructions are what it fetches when answered.
            call["_url"], call["_twiml"] = url, twiml
            call["_method"] = form.get("Method", "POST")
        elif url or twiml:
            self.voice.sender.spawn(
                self.voice.redirect(sid, url, form.get("Method", "POST"), twiml)
            )
        call["date_updated"] = rfc2822()
        return web.json_response(public_view(call))
