"""Twilio's side of a phone call: it rings, is answered (with answering-machine detection), fetches
the app's TwiML, hangs up, and posts the call-progress status callbacks along the way.

Behaviour taken from Twilio's docs and the SDK's generated docstrings (not guessed):

* Status callbacks carry ``CallbackSource=call-progress-events``, a ``SequenceNumber`` counting
  from 0 per call, an RFC 2822 ``Timestamp`` and, on the final event, ``CallDuration``.
* AMD: synchronous detection puts ``AnsweredBy`` on the request to ``Url`` (``human``,
  ``machine_start``, ``fax``, ``unknown`` for ``Enable``; ``machine_end_beep``/``_silence``/
  ``_other`` instead of ``machine_start`` for ``DetectMessageEnd``); with ``AsyncAmd=true`` the
  ``Url`` is fetched at once without it and ``AnsweredBy`` + ``MachineDetectionDuration`` go to
  ``AsyncAmdStatusCallback``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

from .call_resource import TERMINAL_CALL_STATUSES, finish, mark_answered, new_call, voice_params
from .formats import new_sid, rfc2822
from .recordings import Recordings
from .rest import Resource
from .voice_step import VoiceStep, parse_twiml
from .webhooks import SentWebhook, WebhookSender

# AnsweredBy values each MachineDetection mode can produce.
ANSWERED_BY = {
    "Enable": frozenset({"human", "machine_start", "fax", "unknown"}),
    "DetectMessageEnd": frozenset(
        {"human", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax", "unknown"}
    ),
}


@dataclass
class Voice:
    """Carries out the account's calls (``calls``, by SID) and tracks the TwiML each runs;
    what ``<Record>`` records goes to ``recordings``."""

    account_sid: str
    calls: dict[str, Resource]
    sender: WebhookSender
    recordings: Recordings
    # The latest TwiML document each call is executing.
    steps: dict[str, VoiceStep] = field(default_factory=dict)

    # -- the debtor dials in -----------------------------------------------------------------------

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
            self.sender.learn_route(public_url, url)
        sid = call_sid or new_sid("CA")
        call = new_call(self.account_sid, sid, to, from_, "inbound", datetime.now(UTC))
        call["status"] = "ringing"
        call["_status_callback"] = status_callback
        call["_extra_params"] = dict(extra or {})
        self.calls[sid] = call
        params = self.call_params(sid)
        # Twilio has answered by the time the TwiML runs; later requests say "in-progress".
        mark_answered(call, datetime.now(UTC))
        target = url if public_url is not None else None
        return await self.fetch_step(sid, "POST", public_url or url, params, target=target)

    # -- a call created through the REST API -------------------------------------------------------

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
        mark_answered(call, now)
        call["date_updated"] = rfc2822(now)
        if detection is not None:
            call["answered_by"] = answered_by
        await self._status_event(call_sid, "answered", "in-progress", {})
        params = self.call_params(call_sid)
        if detection is not None and not call["_async_amd"]:
            # Synchronous AMD: the Url request waits for the verdict and carries it.
            params["AnsweredBy"] = answered_by
        if call["_url"] is not None:
            step = await self.fetch_step(call_sid, call["_method"], call["_url"], params)
        else:
            step = self.inline_step(call_sid, call["_twiml"] or "", url_base)
        amd_callback = call["_async_amd_status_callback"]
        if detection is not None and call["_async_amd"] and amd_callback:
            amd_params = {
                "AccountSid": self.account_sid,
                "AnsweredBy": answered_by,
                "CallSid": call_sid,
                "MachineDetectionDuration": str(machine_detection_duration),
            }
            amd_url = urljoin(call["_url"] or url_base or "", amd_callback)
            await self.sender.deliver(
                call["_async_amd_status_callback_method"], amd_url, amd_params
            )
        return step

    def _outbound(self, call_sid: str) -> Resource:
        call = self.calls[call_sid]
        if call["direction"] != "outbound-api":
            raise ValueError(f"call {call_sid} is {call['direction']}, not created via the API")
        return call

    # -- ending ------------------------------------------------------------------------------------

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
        seconds = finish(call, status, duration)
        return await self.report_end(call_sid, status, seconds)

    async def report_end(self, call_sid: str, status: str, seconds: int) -> SentWebhook | None:
        """Post the final call-progress event: ``completed``, with the real status and duration."""
        extra = {"CallDuration": str(seconds)}
        return await self._status_event(call_sid, "completed", status, extra)

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
            **self.call_params(call_sid),
            "CallStatus": call_status,
            "CallbackSource": "call-progress-events",
            "SequenceNumber": str(call["_sequence"]),
            "Timestamp": rfc2822(),
            **extra,
        }
        if call["answered_by"] is not None:
            params["AnsweredBy"] = call["answered_by"]
        call["_sequence"] += 1
        return await self.sender.deliver(call["_status_callback_method"], url, params)

    # -- TwiML -------------------------------------------------------------------------------------

    def call_params(self, call_sid: str) -> dict[str, str]:
        """The parameters Twilio sends with every voice request about this call."""
        return voice_params(self.account_sid, self.calls[call_sid])

    async def fetch_step(
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
        sent = await self.sender.deliver(method, url, params, target=target)
        root = parse_twiml(sent.body) if 200 <= sent.status < 300 else None
        step = VoiceStep(self, call_sid, url, sent.status, sent.body, root, webhook=sent)
        self.steps[call_sid] = step
        return step

    def inline_step(self, call_sid: str, twiml: str, url: str | None) -> VoiceStep:
        """Make inline ``twiml`` the call's current document; relative URLs resolve to ``url``."""
        step = VoiceStep(self, call_sid, url, None, twiml, parse_twiml(twiml))
        self.steps[call_sid] = step
        return step

    async def redirect(
        self, call_sid: str, url: str | None, method: str, twiml: str | None
    ) -> None:
        """Make the call execute new TwiML, as Twilio does after a REST update with Url/Twiml."""
        if url is not None:
            await self.fetch_step(call_sid, method, url, self.call_params(call_sid))
        else:
            previous = self.steps.get(call_sid)
            self.inline_step(call_sid, twiml or "", previous.url if previous else None)
