"""The Recordings REST resource: a recording's audio (WAV or MP3), its JSON, and deleting it.

Behaviour taken from Twilio's docs and the SDK's generated docstrings (not guessed):

* A recording lives at ``/2010-04-01/Accounts/{AccountSid}/Recordings/{RecordingSid}``, the
  ``RecordingUrl`` webhooks carry. That URL without an extension or with ``.wav`` serves the
  audio as WAV (``audio/x-wav``), with ``.mp3`` as MP3 (``audio/mpeg``), with ``.json`` the
  resource: ``sid``, ``call_sid``, ``duration`` (seconds, a string), ``status``, ``channels``,
  ``source``, ``start_time``, ``uri`` (the ``.json`` path), ``media_url`` and the
  ``add_on_results``/``transcriptions`` subresource URIs.
* Media URLs need HTTP basic auth (account SID + auth token) only when the account enforces
  it ("Enforce HTTP Auth on Media URLs", required for HIPAA workflows). The emulator always
  enforces it: that is how Parley's account is to be configured.
* ``DELETE .../Recordings/{RecordingSid}.json`` answers 204 without a body; afterwards the
  recording answers 404 (20404). Twilio keeps the metadata 40 days, shown only with
  ``IncludeSoftDeleted=true``; the emulator keeps nothing.

The emulator stores each recording as the WAV file the test gives (``finish_recording(audio=)``,
``add_recording``) and makes the MP3 from it on request with PyAV (a few milliseconds). Media
requests pass a gate of their own, so failures and stalls injected for them
(``fail_next_media``, ``stall_next_media``) never hit an SDK call, and the reverse.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import wave
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import av
from aiohttp import web

from .formats import API_VERSION, account_path, new_sid, rfc2822
from .rest import RecordedRequest, Resource, RestGate, error_response, fetch_response

# Twilio's media formats: the URL's extension -> Content-Type.
_MEDIA_TYPES = {"wav": "audio/x-wav", "mp3": "audio/mpeg"}
# What a recording defaults to: telephone-quality mono 16-bit PCM.
_RATE = 8000


def silence(seconds: int) -> bytes:
    """``seconds`` of silence as an 8 kHz mono 16-bit PCM WAV file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(_RATE)
        out.writeframes(bytes(2 * _RATE * seconds))
    return buffer.getvalue()


def to_mp3(audio: bytes) -> bytes:
    """Transcode a WAV file to MP3 (mono, at the WAV's sample rate)."""
    out = io.BytesIO()
    with av.open(io.BytesIO(audio), "r") as source, av.open(out, "w", format="mp3") as target:
        decoded = source.streams.audio[0]
        encoder = target.add_stream("libmp3lame", rate=decoded.rate, layout="mono")
        for frame in source.decode(decoded):
            target.mux(encoder.encode(frame))
        target.mux(encoder.encode(None))  # flush the encoder's delay
    return out.getvalue()


@dataclass
class Recordings:
    """The account's recordings (``store``, by SID: Twilio's JSON plus ``_audio``, the WAV).

    ``api_base_url`` gives the emulator's REST address, which recording URLs point into;
    ``media_gate`` admits media requests.
    """

    account_sid: str
    store: dict[str, Resource]
    api_base_url: Callable[[], str]
    media_gate: RestGate
    # Seconds each of the next media requests waits before it is answered.
    _stalls: deque[float] = field(default_factory=deque)
    # Set when the emulator stops, so stalled requests do not hold up its shutdown.
    _released: asyncio.Event = field(default_factory=asyncio.Event)

    def add_routes(self, router: web.UrlDispatcher, gate: RestGate) -> None:
        """Serve the resource's JSON and DELETE behind ``gate``, its media behind ``media_gate``."""
        base = f"{account_path('{account_sid}')}/Recordings/{{sid}}"
        router.add_get(f"{base}.json", gate.guard(self._fetch))
        router.add_delete(f"{base}.json", gate.guard(self._delete))
        router.add_get(f"{base}.mp3", self.media_gate.guard(self._mp3))
        router.add_get(f"{base}.wav", self.media_gate.guard(self._wav))
        router.add_get(base, self.media_gate.guard(self._wav))

    def url(self, sid: str) -> str:
        """The ``RecordingUrl`` of recording ``sid``: absolute, without an extension."""
        return f"{self.api_base_url()}{account_path(self.account_sid)}/Recordings/{sid}"

    def add(
        self,
        audio: bytes | None,
        *,
        call_sid: str,
        duration: int,
        sid: str | None = None,
        started: datetime | None = None,
    ) -> str:
        """Store a completed ``<Record>`` recording of ``call_sid``; return its SID.

        ``audio`` is the WAV file served for it; None serves ``duration`` seconds of silence.
        """
        sid = sid or new_sid("RE")
        now = rfc2822()
        path = f"{account_path(self.account_sid)}/Recordings/{sid}"
        self.store[sid] = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "call_sid": call_sid,
            "channels": 1,
            "conference_sid": None,
            "date_created": now,
            "date_updated": now,
            "duration": str(duration),
            "encryption_details": None,
            "error_code": None,
            "media_url": self.url(sid),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "source": "RecordVerb",
            "start_time": rfc2822(started or datetime.now(UTC)),
            "status": "completed",
            "subresource_uris": {
                "add_on_results": f"{path}/AddOnResults.json",
                "transcriptions": f"{path}/Transcriptions.json",
            },
            "uri": f"{path}.json",
            "_audio": silence(duration) if audio is None else audio,
        }
        return sid

    # -- test controls -----------------------------------------------------------------------------

    def stall_next(self, count: int, seconds: float) -> None:
        """Hold each of the next ``count`` admitted media requests ``seconds`` before answering."""
        self._stalls.extend([seconds] * count)

    def release(self) -> None:
        """Answer stalled media requests now (the emulator is stopping)."""
        self._released.set()

    # -- REST API ----------------------------------------------------------------------------------

    async def _fetch(self, request: web.Request, recorded: RecordedRequest) -> web.Response:
        return fetch_response(self.store, request.match_info["sid"])

    async def _delete(self, request: web.Request, recorded: RecordedRequest) -> web.Response:
        if self.store.pop(request.match_info["sid"], None) is None:
            return error_response(404, 20404)
        return web.Response(status=204)

    async def _wav(self, request: web.Request, recorded: RecordedRequest) -> web.Response:
        return await self._media(request, "wav")

    async def _mp3(self, request: web.Request, recorded: RecordedRequest) -> web.Response:
        return await self._media(request, "mp3")

    async def _media(self, request: web.Request, extension: str) -> web.Response:
        if self._stalls:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), self._stalls.popleft())
        # Looked up after the stall: a recording deleted meanwhile is gone.
        recording = self.store.get(request.match_info["sid"])
        if recording is None:
            return error_response(404, 20404)
        audio: bytes = recording["_audio"]
        if extension == "mp3":
            audio = await asyncio.to_thread(to_mp3, audio)
        return web.Response(body=audio, content_type=_MEDIA_TYPES[extension])
