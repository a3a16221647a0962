"""``SendGridEmulator``: the one object tests hold. It serves Mail Send, owns the shared state
(requests, sent mails, posted webhooks) and the two signing keys, and posts SendGrid's webhooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from .events import batch_body, build_event, redelivered
from .formats import DEFAULT_API_KEY
from .inbound import inbound_form
from .mail import SentMail
from .mail_send import MailSend, RecordedRequest
from .signing import Signer
from .webhooks import SentWebhook, WebhookPoster


@dataclass
class SendGridEmulator:
    """The emulator: ``await start()``, point the gateway at ``base_url``, ``await stop()``."""

    api_key: str = DEFAULT_API_KEY
    host: str = "127.0.0.1"
    sent: list[SentMail] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    webhooks: list[SentWebhook] = field(default_factory=list)
    _mail_send: MailSend = field(init=False, repr=False)
    _event_signer: Signer = field(init=False, repr=False)
    _inbound_signer: Signer = field(init=False, repr=False)
    _poster: WebhookPoster = field(init=False, repr=False)
    _runner: web.AppRunner | None = field(default=None, init=False, repr=False)
    _port: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        # The parts share the emulator's lists, so tests see one state.
        self._mail_send = MailSend(self.api_key, self.sent, self.requests)
        self._event_signer = Signer()
        self._inbound_signer = Signer()
        self._poster = WebhookPoster(self.webhooks)

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on ``host`` at a free port chosen by the OS."""
        app = web.Application()
        self._mail_send.add_routes(app.router)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, 0).start()
        self._port = int(self._runner.addresses[0][1])
        await self._poster.open()

    async def stop(self) -> None:
        """Send any delayed answer now, close the webhook session and the server."""
        self._mail_send.release()
        await self._poster.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SendGridEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """The API's base URL, without a trailing slash (Mail Send is ``/v3/mail/send`` below)."""
        if not self._port:
            raise RuntimeError("emulator not started")
        return f"http://{self.host}:{self._port}"

    # -- Mail Send failures ------------------------------------------------------------------------
    # They apply in the order they were asked for; a lost or delayed answer waits for the next
    # valid mail (an invalid one still gets its 400).

    def fail_next(self, status: int, *, times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next ``times`` authorized sends with ``status`` and SendGrid's error body.

        Nothing is recorded in ``sent``. A 429 always carries ``Retry-After`` (``retry_after``,
        default 1) and SendGrid's ``X-RateLimit-*`` headers; other statuses carry
        ``Retry-After`` when ``retry_after`` is given.
        """
        self._mail_send.fail_next(status, times=times, retry_after=retry_after)

    def lose_next_answer(self, times: int = 1) -> None:
        """Accept the next ``times`` valid mails (recorded in ``sent``: SendGrid has them), then
        close the connection without an HTTP answer."""
        self._mail_send.lose_next_answer(times)

    def delay_next(self, seconds: float, times: int = 1) -> None:
        """Accept and record the next ``times`` valid mails, then wait ``seconds`` before the 202,
        so a client timeout fires while SendGrid has the mail."""
        self._mail_send.delay_next(seconds, times)

    def reset(self) -> None:
        """Forget every pending ``fail_next``, ``lose_next_answer`` and ``delay_next``."""
        self._mail_send.reset()

    # -- Event Webhook -----------------------------------------------------------------------------

    @property
    def public_key_b64(self) -> str:
        """The Signed Event Webhook verification key (``PARLEY_SENDGRID_WEBHOOK_PUBLIC_KEY``)."""
        return self._event_signer.public_key_b64

    def event(
        self, mail: SentMail, kind: str, *, at: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        """A SendGrid event ``kind`` about ``mail`` at unix time ``at`` (default now).

        ``fields`` override or add keys (``email=`` for another recipient of the mail,
        ``type="blocked"`` for a block, ``reason=`` for a drop...); see ``events``.
        """
        return build_event(mail, kind, at, fields)

    def signed_batch(
        self, events: list[dict[str, Any]], *, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The body of a batch of ``events`` and its headers, signed at ``timestamp``."""
        body = batch_body(events)
        headers = {"Content-Type": "application/json"}
        return body, headers | self.event_signature(body, timestamp=timestamp)

    def event_signature(self, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        """The two Event Webhook signature headers for any ``body`` (malformed batches too)."""
        return self._event_signer.headers(body, timestamp)

    async def post_events(
        self,
        url: str,
        events: list[dict[str, Any]],
        *,
        duplicates: int = 0,
        shuffle: bool = False,
        timestamp: int | None = None,
        forge: bool = False,
        seed: int | None = None,
    ) -> int:
        """Post ``events`` to ``url`` as one signed batch; the status the receiver answered.

        Each event is repeated ``duplicates`` extra times in the batch, and ``shuffle`` changes
        the order (``random.Random(seed)``), as SendGrid does. ``forge`` signs with another key.
        The post is logged in ``webhooks`` for ``post_raw`` to replay.
        """
        body, headers = self.signed_batch(
            redelivered(events, duplicates, shuffle, seed), timestamp=timestamp
        )
        if forge:
            headers |= Signer().headers(body, timestamp)
        return await self._poster.post(url, body, headers)

    async def post_raw(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """Post exactly ``body`` with ``headers`` (e.g. replay a logged batch); the status."""
        return await self._poster.post(url, body, headers)

    # -- Inbound Parse -----------------------------------------------------------------------------

    inbound_form = staticmethod(inbound_form)

    @property
    def inbound_public_key_b64(self) -> str:
        """The verification key of signed Inbound Parse posts."""
        return self._inbound_signer.public_key_b64

    async def post_inbound(
        self,
        url: str,
        body: bytes,
        content_type: str,
        *,
        basic: tuple[str, str] | None = None,
        signed: bool = False,
        timestamp: int | None = None,
        forge: bool = False,
    ) -> int:
        """Post an ``inbound_form`` body to ``url``; the status the receiver answered.

        ``basic`` is the (user, password) of the URL's HTTP basic auth. ``signed`` adds the two
        signature headers over the raw multipart bytes, made with the inbound key (with another
        key if ``forge``).
        """
        headers = {"Content-Type": content_type}
        if signed:
            signer = Signer() if forge else self._inbound_signer
            headers |= signer.headers(body, timestamp)
        if basic is not None:
            headers["Authorization"] = aiohttp.encode_basic_auth(*basic)
        return await self._poster.post(url, body, headers)
