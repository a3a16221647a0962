"""The TwiML document a call is executing, and the caller's ways to move the call on.

Behaviour taken from Twilio's docs (not guessed):

* ``<Gather>``: ``action`` defaults to the current document URL, ``method`` to POST,
  ``finishOnKey`` to ``#`` (and only ends input after at least one digit), ``input`` to ``dtmf``.
  With no input it falls through to the next verb (or sends an empty result to ``action`` when
  ``actionOnEmptyResult="true"``); when no verbs are left Twilio hangs up.
* ``<Record>`` posts ``RecordingUrl``/``RecordingDuration``/``RecordingSid`` (+ ``Digits``) to
  ``action`` (default: current document), then ``recordingStatusCallback`` gets ``AccountSid``,
  ``CallSid``, ``RecordingSid``, ``RecordingUrl``, ``RecordingStatus``, ``RecordingDuration``,
  ``RecordingChannels``, ``RecordingStartTime`` and ``RecordingSource=RecordVerb`` only.
* Relative URLs in TwiML (``<Gather action="menu">``) resolve against the public document URL.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from .formats import is_absolute, new_sid, rfc2822
from .webhooks import SentWebhook

if TYPE_CHECKING:
    from .voice import Voice

# Verbs Twilio executes without waiting for the caller or fetching anything; execution moves on.
_PASS_THROUGH_VERBS = frozenset({"Say", "Play", "Pause", "Start", "Stop"})


class TwimlError(ValueError):
    """The app answered a voice webhook with something Twilio could not execute."""


def parse_twiml(body: str) -> ET.Element:
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

    voice: Voice = field(repr=False)
    call_sid: str
    url: str | None
    status: int | None
    body: str
    root: ET.Element | None
    position: int = 0
    webhook: SentWebhook | None = None

    # -- inspection --------------------------------------------------------------------------------

    @property
    def verbs(self) -> list[ET.Element]:
        """The top-level verbs still to be executed."""
        return self.verbs_from(self.position)

    def verbs_from(self, index: int) -> list[ET.Element]:
        """The top-level verbs of the document from ``index`` on (ignoring ``position``)."""
        return [] if self.root is None else list(self.root)[index:]

    def says(self) -> list[str]:
        """The text of every ``<Say>`` still to run, including those nested in ``<Gather>``."""
        return ["".join(el.itertext()).strip() for el in self._all() if el.tag == "Say"]

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

    def _all(self) -> Iterator[ET.Element]:
        for verb in self.verbs:
            yield from verb.iter()

    def _first(self, tag: str) -> ET.Element | None:
        return next((verb for verb in self.verbs if verb.tag == tag), None)

    # -- moving the call on ------------------------------------------------------------------------

    async def press(self, digits: str) -> VoiceStep:
        """The caller presses ``digits`` during the ``<Gather>``; returns the next document.

        Collection stops after ``numDigits`` digits or at ``finishOnKey`` (default ``#``, not
        itself sent, and ignored before the first digit); keys after that are lost. Nothing
        collected means the gather timed out: see ``silence``.
        """
        gather = self._gather_listening_to("dtmf", "ignores key presses")
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
        gather = self._gather_listening_to("speech", "does not listen to speech")
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
        return await self._fetch(redirect.get("method", "POST"), (redirect.text or "").strip(), {})

    async def finish_recording(
        self,
        recording_sid: str | None = None,
        duration: int = 12,
        *,
        digits: str | None = None,
        audio: bytes | None = None,
    ) -> VoiceStep:
        """The ``<Record>`` ends: post its action, then the recording status callback.

        The recording is stored first, so its ``RecordingUrl`` serves ``audio`` (a WAV file;
        None: ``duration`` seconds of silence) from the action on (see ``recordings``).
        The action (default: this document) gets ``RecordingUrl``, ``RecordingDuration``,
        ``RecordingSid`` and ``Digits`` when a key ended the recording; its answer is returned.
        ``recordingStatusCallback`` (when set and subscribed to ``completed``) then gets the
        recording-only parameters Twilio sends there, once the file is "processed".
        """
        record = self._need(self.record, "<Record>")
        started = datetime.now(UTC)
        recordings = self.voice.recordings
        sid = recordings.add(
            audio, call_sid=self.call_sid, duration=duration, sid=recording_sid, started=started
        )
        recording_url = recordings.url(sid)
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
                "AccountSid": self.voice.account_sid,
                "CallSid": self.call_sid,
                "RecordingChannels": "1",
                "RecordingDuration": str(duration),
                "RecordingSid": sid,
                "RecordingSource": "RecordVerb",
                "RecordingStartTime": rfc2822(started),
                "RecordingStatus": "completed",
                "RecordingUrl": recording_url,
            }
            method = record.get("recordingStatusCallbackMethod", "POST")
            await self.voice.sender.deliver(method, self._resolve(callback), status_params)
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
            "DialCallSid": dial_call_sid or new_sid("CA"),
            "DialCallStatus": status,
        }
        return await self._submit(dial, params)

    # -- internals ---------------------------------------------------------------------------------

    def _need(self, element: ET.Element | None, what: str) -> ET.Element:
        if element is None:
            raise AssertionError(f"no {what} left in the TwiML: {self.body[:300]!r}")
        return element

    def _gather_listening_to(self, mode: str, refusal: str) -> ET.Element:
        """The ``<Gather>``, provided its ``input`` (default ``dtmf``) includes ``mode``."""
        gather = self._need(self.gather, "<Gather>")
        if mode not in (gather.get("input") or "dtmf").split():
            raise ValueError(f"<Gather input={gather.get('input')!r}> {refusal}")
        return gather

    def _index(self, element: ET.Element) -> int:
        assert self.root is not None
        return list(self.root).index(element)

    def _resolve(self, url: str) -> str:
        """``url`` resolved against this document, like Twilio (empty: this document)."""
        if is_absolute(url):
            return url
        if self.url is None:
            raise ValueError(f"relative URL {url!r} in TwiML with no document URL (url_base)")
        return urljoin(self.url, url)

    async def _submit(self, verb: ET.Element, extra: dict[str, str]) -> VoiceStep:
        """Post the call parameters plus ``extra`` to ``verb``'s action; return its TwiML."""
        return await self._fetch(verb.get("method", "POST"), verb.get("action", ""), extra)

    async def _fetch(self, method: str, url: str, extra: dict[str, str]) -> VoiceStep:
        """Request the TwiML at ``url`` (resolved here) with the call parameters plus ``extra``."""
        params = {**self.voice.call_params(self.call_sid), **extra}
        return await self.voice.fetch_step(self.call_sid, method, self._resolve(url), params)

    async def _run_from(self, index: int) -> VoiceStep:
        """Execute verbs from ``index`` until one waits for the caller or fetches TwiML."""
        for position, verb in enumerate(self.verbs_from(index), start=index):
            if verb.tag in _PASS_THROUGH_VERBS:
                continue
            here = replace(self, position=position)
            if verb.tag == "Redirect":
                return await here.follow_redirect()
            self.voice.steps[self.call_sid] = here
            return here
        end = replace(self, position=len(self.verbs_from(0)))
        self.voice.steps[self.call_sid] = end
        return end
