"""What the emulator's own tests share: the gateway's SDK client pointed at the emulator, and a
stub voice gateway that checks every webhook's signature the way Parley does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse
from twilio_emulator import TwilioEmulator

from channels.twilio_http import build_client
from channels.twilio_signature import SIGNATURE_HEADER, is_valid_signature

PUBLIC_BASE = "https://parley.example.com"
TO = "+15005550006"
FROM = "+15005550001"


@pytest.fixture(name="session")
async def session_fixture() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


def sdk(emulator: TwilioEmulator, session: aiohttp.ClientSession, sid: str, token: str) -> Client:
    """The SDK client the gateway builds, pointed at the emulator."""
    return build_client(session, sid, token, base_url=emulator.base_url, timeout=10)


@pytest.fixture(name="client")
def client_fixture(emulator: TwilioEmulator, session: aiohttp.ClientSession) -> Client:
    return sdk(emulator, session, emulator.account_sid, emulator.auth_token)


DEBTOR = "+14155550123"
PARLEY = "+15005550006"


@dataclass(frozen=True)
class Hit:
    """One request the stub gateway received."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    valid: bool


class VoiceGateway:
    """A tiny stand-in for Parley's voice webhooks.

    Every request is checked with the gateway's own signature verifier over the *public* URL
    (``PUBLIC_BASE`` + the path and query it was requested with), like the real gateway does
    behind a proxy; a bad signature gets a 403, so every step also asserts the signing.
    """

    def __init__(self, auth_token: str) -> None:
        self.auth_token = auth_token
        self.hits: list[Hit] = []
        self.local_base = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        for path, handler in {
            "/voice/inbound": self.inbound,
            "/voice/menu": self.menu,
            "/voice/account": self.account,
            "/voice/get-menu": self.get_menu,
            "/voice/recorded": self.recorded,
            "/voice/outbound": self.outbound,
            "/voice/broken": self.broken,
        }.items():
            app.router.add_route("*", path, handler)
        for path in ("/voice/status", "/voice/recording-status", "/voice/amd"):
            app.router.add_post(path, self.ack)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.local_base = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def to(self, path: str) -> list[Hit]:
        """The requests received on ``path``, oldest first."""
        return [hit for hit in self.hits if hit.path == path]

    async def _check(self, request: web.Request) -> Hit:
        form = {k: str(v) for k, v in (await request.post()).items()}
        # A GET is signed over the URL (query included) alone.
        params = form if request.method == "POST" else {}
        signature = request.headers.get(SIGNATURE_HEADER, "")
        public_url = PUBLIC_BASE + request.path_qs
        valid = is_valid_signature(self.auth_token, public_url, params, signature)
        hit = Hit(request.method, request.path, dict(request.query), form, valid)
        self.hits.append(hit)
        if not valid:
            raise web.HTTPForbidden()
        return hit

    @staticmethod
    def twiml(response: VoiceResponse) -> web.Response:
        return web.Response(text=str(response), content_type="text/xml")

    async def inbound(self, request: web.Request) -> web.Response:
        hit = await self._check(request)
        response = VoiceResponse()
        if hit.query.get("retry"):
            response.say("Goodbye.")
            response.hangup()
            return self.twiml(response)
        # A relative action: Twilio resolves it against this document's (public) URL.
        gather = response.gather(action="menu", num_digits=1, input="dtmf speech", timeout=5)
        gather.say("Press 1 to pay, 2 to leave a message.")
        response.say("We did not hear you.")
        response.redirect("/voice/inbound?retry=1")
        return self.twiml(response)

    async def menu(self, request: web.Request) -> web.Response:
        hit = await self._check(request)
        fields = hit.form or hit.query
        response = VoiceResponse()
        if fields.get("Digits") == "1":
            response.say("Thank you, taking you to payment.")
            response.hangup()
        elif fields.get("Digits") == "2":
            response.say("Leave a message after the beep.")
            response.record(
                action="/voice/recorded",
                recording_status_callback="recording-status",
                max_length=60,
            )
        elif "pay" in fields.get("SpeechResult", ""):
            response.say(f"You said: {fields['SpeechResult']}")
            response.hangup()
        else:
            response.redirect("/voice/inbound")
        return self.twiml(response)

    async def account(self, request: web.Request) -> web.Response:
        await self._check(request)
        response = VoiceResponse()
        gather = response.gather(action="/voice/menu", finish_on_key="#")
        gather.say("Enter your account number, then press pound.")
        return self.twiml(response)

    async def get_menu(self, request: web.Request) -> web.Response:
        await self._check(request)
        response = VoiceResponse()
        response.gather(action="/voice/menu?via=get", method="GET", num_digits=1)
        return self.twiml(response)

    async def recorded(self, request: web.Request) -> web.Response:
        await self._check(request)
        response = VoiceResponse()
        response.say("Your message was saved.")
        response.hangup()
        return self.twiml(response)

    async def outbound(self, request: web.Request) -> web.Response:
        hit = await self._check(request)
        response = VoiceResponse()
        if hit.form.get("AnsweredBy", "").startswith("machine"):
            response.say("This is a message for you from Parley. Please call us back.")
            response.hangup()
        else:
            gather = response.gather(action="/voice/menu", num_digits=1)
            gather.say("This is Parley calling about your account. Press 1 to pay.")
        return self.twiml(response)

    async def broken(self, request: web.Request) -> web.Response:
        await self._check(request)
        return web.Response(status=500, text="boom")

    async def ack(self, request: web.Request) -> web.Response:
        await self._check(request)
        return web.Response(status=204)


@pytest.fixture(name="gateway")
async def gateway_fixture(emulator: TwilioEmulator) -> AsyncIterator[VoiceGateway]:
    gw = VoiceGateway(emulator.auth_token)
    await gw.start()
    emulator.route_public(PUBLIC_BASE, gw.local_base)
    yield gw
    await gw.stop()
