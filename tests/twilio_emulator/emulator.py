"""``TwilioEmulator``: the one object tests hold. It serves the REST API, owns the shared state
(requests, messages, calls, recordings, webhooks) and hands each job to the module that does it."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from .calls_api import CallsApi
from .formats import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, new_sid
from .messages import Messages
from .recordings import Recordings
from .rest import RecordedRequest, Resource, RestGate
from .voice import Voice
from .voice_step import VoiceStep
from .webhooks import SentWebhook, WebhookSender


@dataclass
class TwilioEmulator:
    """The emulator: ``await start()``, point the SDK at ``base_url``, ``await stop()``."""

    account_sid: str = DEFAULT_ACCOUNT_SID
    auth_token: str = DEFAULT_AUTH_TOKEN
    host: str = "127.0.0.1"
    requests: list[RecordedRequest] = field(default_factory=list)
    messages: dict[str, Resource] = field(default_factory=dict)
    calls: dict[str, Resource] = field(default_factory=dict)
    recordings: dict[str, Resource] = field(default_factory=dict)
    webhooks: list[SentWebhook] = field(default_factory=list)
    _gate: RestGate = field(init=False, repr=False)
    _media_gate: RestGate = field(init=False, repr=False)
    _recordings: Recordings = field(init=False, repr=False)
    _sender: WebhookSender = field(init=False, repr=False)
    _sms: Messages = field(init=False, repr=False)
    _voice: Voice = field(init=False, repr=False)
    _calls_api: CallsApi = field(init=False, repr=False)
    _runner: web.AppRunner | None = field(default=None, init=False, repr=False)
    _port: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        # The parts share the emulator's lists and dicts, so tests see one state.
        self._gate = RestGate(self.account_sid, self.auth_token, self.requests)
        # Recording media has a gate of its own: failures injected for downloads stay there.
        self._media_gate = RestGate(self.account_sid, self.auth_token, self.requests)
        self._sender = WebhookSender(self.auth_token, self.webhooks)
        self._sms = Messages(self.account_sid, self.messages, self._sender)
        self._recordings = Recordings(
            self.account_sid, self.recordings, lambda: self.base_url, self._media_gate
        )
        self._voice = Voice(self.account_sid, self.calls, self._sender, self._recordings)
        self._calls_api = CallsApi(self.account_sid, self.calls, self._voice)

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on ``host`` at a free port chosen by the OS."""
        app = web.Application()
        self._sms.add_routes(app.router, self._gate)
        self._calls_api.add_routes(app.router, self._gate)
        self._recordings.add_routes(app.router, self._gate)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        await self._sender.open()

    async def stop(self) -> None:
        """Answer stalled media requests, cancel pending background webhooks, close the webhook
        session and the server."""
        self._recordings.release()
        await self._sender.close()
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

    # -- test controls -----------------------------------------------------------------------------

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 400,
        code: int | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next ``count`` authorized REST requests with a Twilio error.

        ``code`` defaults to 21610 for a 400, else 20000 + status (20429, 20500, ...). Recording
        media downloads are not affected: see ``fail_next_media``.
        """
        self._gate.fail_next(count, status=status, code=code, message=message)

    def fail_next_media(
        self,
        count: int = 1,
        *,
        status: int = 500,
        code: int | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next ``count`` authorized recording media downloads with a Twilio error.

        ``code`` defaults as in ``fail_next``; REST API requests are not affected.
        """
        self._media_gate.fail_next(count, status=status, code=code, message=message)

    def stall_next_media(self, count: int = 1, *, seconds: float = 30.0) -> None:
        """Hold each of the next ``count`` admitted media downloads ``seconds`` before answering,
        so a client with a shorter timeout gives up (``stop`` answers them at once)."""
        self._recordings.stall_next(count, seconds)

    def create_requests(self) -> list[RecordedRequest]:
        """The recorded Messages create calls, oldest first."""
        return [
            r for r in self.requests if r.method == "POST" and r.path.endswith("/Messages.json")
        ]

    def call_requests(self) -> list[RecordedRequest]:
        """The recorded Calls create and update requests, oldest first."""
        return [r for r in self.requests if r.method == "POST" and "/Calls" in r.path]

    def recording_requests(self) -> list[RecordedRequest]:
        """The recorded Recordings requests (media, JSON, DELETE), oldest first."""
        return [r for r in self.requests if "/Recordings/" in r.path]

    def add_recording(
        self, audio: bytes, call_sid: str | None = None, *, duration: int = 12
    ) -> str:
        """Store a completed recording serving ``audio`` (a WAV file); return its SID.

        For tests that need a recording without walking an IVR to a ``<Record>``: no webhook is
        sent. ``call_sid`` defaults to a fresh SID of a call the emulator never saw;
        ``duration`` is the seconds its JSON reports. Its ``RecordingUrl`` is the resource's
        ``media_url``.
        """
        return self._recordings.add(audio, call_sid=call_sid or new_sid("CA"), duration=duration)

    def route_public(self, public_base: str, local_base: str) -> None:
        """Deliver webhooks for URLs under ``public_base`` to the same path under ``local_base``.

        Twilio is configured with the public URL (``PARLEY_PUBLIC_URL``) and signs over it; the
        gateway under test listens on ``local_base``. Every webhook the emulator posts to a URL
        under ``public_base`` is still signed over the public URL but sent to the local one.
        """
        self._sender.route_public(public_base, local_base)

    def local_url(self, url: str) -> str:
        """Where a webhook for ``url`` is actually sent (``url`` itself when no route matches)."""
        return self._sender.local_url(url)

    def last_step(self, call_sid: str) -> VoiceStep | None:
        """The TwiML document call ``call_sid`` is executing now (after any redirect)."""
        return self._voice.steps.get(call_sid)

    async def settle(self) -> None:
        """Wait for the webhooks Twilio sends on its own after a REST request, re-raising errors.

        Hanging up or redirecting a call through the REST API makes Twilio post the status
        callback / fetch the new TwiML *after* answering the API request, so the emulator does
        it in the background too; tests await this before looking at what was sent.
        """
        await self._sender.settle()

    # -- webhooks ----------------------------------------------------------------------------------

    async def post_signed(
        self, url: str, params: dict[str, str], *, public_url: str | None = None
    ) -> SentWebhook:
        """POST ``params`` to ``url``, signed over ``public_url`` (see ``WebhookSender``)."""
        return await self._sender.post_signed(url, params, public_url=public_url)

    async def send_status_callback(
        self,
        sid: str,
        status: str,
        *,
        url: str | None = None,
        public_url: str | None = None,
        error_code: int | None = None,
    ) -> SentWebhook:
        """Move message ``sid`` to ``status`` and post its status callback
        (``Messages.send_status_callback``)."""
        return await self._sms.send_status_callback(
            sid, status, url=url, public_url=public_url, error_code=error_code
        )

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
        """Post the webhook of ``from_`` texting ``to`` (``Messages.send_inbound_sms``)."""
        return await self._sms.send_inbound_sms(
            url,
            from_=from_,
            to=to,
            body=body,
            public_url=public_url,
            message_sid=message_sid,
            extra=extra,
        )

    # -- voice -------------------------------------------------------------------------------------

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
        """``from_`` dials the Twilio number ``to``: post its voice webhook, return the TwiML
        (``Voice.start_inbound_call``)."""
        return await self._voice.start_inbound_call(
            url,
            from_=from_,
            to=to,
            public_url=public_url,
            call_sid=call_sid,
            status_callback=status_callback,
            extra=extra,
        )

    async def ring_call(self, call_sid: str) -> list[SentWebhook]:
        """Dial the callee of a REST-created call (``Voice.ring_call``)."""
        return await self._voice.ring_call(call_sid)

    async def answer_call(
        self,
        call_sid: str,
        *,
        answered_by: str = "human",
        url_base: str | None = None,
        machine_detection_duration: int = 2400,
    ) -> VoiceStep:
        """Pick up a REST-created call and fetch its TwiML (``Voice.answer_call``)."""
        return await self._voice.answer_call(
            call_sid,
            answered_by=answered_by,
            url_base=url_base,
            machine_detection_duration=machine_detection_duration,
        )

    async def end_call(
        self, call_sid: str, status: str = "completed", *, duration: int | None = None
    ) -> SentWebhook | None:
        """End a call and post its final status callback (``Voice.end_call``)."""
        return await self._voice.end_call(call_sid, status, duration=duration)
