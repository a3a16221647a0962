"""Recordings: the emulator serves, describes and deletes the audio ``<Record>`` captured, and
``channels.twilio_recordings`` downloads it (never sending the credentials off the API host)
and deletes it through the real SDK."""

from __future__ import annotations

import io
import json
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import aiohttp
import av
import pytest
from aiohttp import web
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio_emulator import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, TwilioEmulator
from twilio_emulator_harness import (  # noqa: F401
    DEBTOR,
    PARLEY,
    PUBLIC_BASE,
    VoiceGateway,
    client_fixture,
    gateway_fixture,
    session_fixture,
)

from channels.base import ProviderError
from channels.twilio_recordings import (
    RecordingFetchError,
    RecordingGone,
    RecordingTooLarge,
    delete_recording,
    fetch_recording,
)

RECORDING_PATH = f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Recordings/RE" + "2" * 32


def make_wav(seconds: float = 0.5) -> bytes:
    """A small 8 kHz mono 16-bit WAV whose samples differ, so equal bytes mean the same file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(bytes(i % 251 for i in range(int(2 * 8000 * seconds))))
    return buffer.getvalue()


async def get(
    session: aiohttp.ClientSession, url: str, *, signed: bool = True
) -> tuple[int, str, bytes]:
    """Status, Content-Type and body of a GET, authenticated as the emulator's account."""
    credentials = aiohttp.encode_basic_auth(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN)
    headers = {"Authorization": credentials} if signed else {}
    async with session.get(url, headers=headers) as response:
        return response.status, response.content_type, await response.read()


async def fetch(
    session: aiohttp.ClientSession,
    api_base_url: str,
    url: str,
    *,
    auth_token: str = DEFAULT_AUTH_TOKEN,
    max_bytes: int = 1_000_000,
    seconds: float = 5,
) -> bytes:
    """The adapter's download of ``url`` with the emulator's (default) account."""
    return await fetch_recording(
        session,
        recording_url=url,
        api_base_url=api_base_url,
        account_sid=DEFAULT_ACCOUNT_SID,
        auth_token=auth_token,
        max_bytes=max_bytes,
        timeout=seconds,
    )


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def host(handler: Handler, hits: list[web.Request]) -> AsyncIterator[str]:
    """Another HTTP server on a free port, answering every request with ``handler`` and logging
    each in ``hits``; yields its base URL."""

    async def logged(request: web.Request) -> web.StreamResponse:
        hits.append(request)
        return await handler(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", logged)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def test_recorded_audio_is_served_with_auth_as_wav_mp3_and_json(
    emulator: TwilioEmulator,
    gateway: VoiceGateway,
    session: aiohttp.ClientSession,
    client: Client,
) -> None:
    step = await emulator.start_inbound_call(
        f"{PUBLIC_BASE}/voice/inbound", from_=DEBTOR, to=PARLEY
    )
    audio = make_wav(1.0)
    await (await step.press("2")).finish_recording(duration=3, audio=audio)
    (action,) = gateway.to("/voice/recorded")
    sid, url, call_sid = (action.form[k] for k in ("RecordingSid", "RecordingUrl", "CallSid"))
    assert url == f"{emulator.base_url}/2010-04-01/Accounts/{emulator.account_sid}/Recordings/{sid}"
    assert emulator.recordings[sid]["_audio"] == audio

    status, _, body = await get(session, url + ".wav", signed=False)
    assert (status, json.loads(body)["code"]) == (401, 20003)
    assert (
        await get(session, url) == await get(session, url + ".wav") == (200, "audio/x-wav", audio)
    )
    status, content_type, body = await get(session, url + ".mp3")
    assert (status, content_type) == (200, "audio/mpeg")
    with av.open(io.BytesIO(body), "r") as mp3:
        stream = mp3.streams.audio[0]
        assert (stream.codec_context.name, stream.rate) == ("mp3float", 8000)
        assert mp3.duration == 1_000_000  # microseconds

    described = json.loads((await get(session, url + ".json"))[2])
    assert "_audio" not in described
    expected = {"sid": sid, "call_sid": call_sid, "duration": "3", "status": "completed"}
    assert described.items() >= {**expected, "channels": 1, "media_url": url}.items()
    assert described["uri"] == url.removeprefix(emulator.base_url) + ".json"
    fetched = await client.recordings(sid).fetch_async()  # the SDK reads the same JSON
    assert (fetched.call_sid, fetched.source) == (call_sid, "RecordVerb")
    logged = [(r.path.rpartition(sid)[2], r.authorized) for r in emulator.recording_requests()]
    authorized = [(ext, True) for ext in ("", ".wav", ".mp3", ".json", ".json")]
    assert logged == [(".wav", False), *authorized]


async def test_a_recording_without_audio_is_silence_of_its_duration(
    emulator: TwilioEmulator, gateway: VoiceGateway, session: aiohttp.ClientSession
) -> None:
    step = await emulator.start_inbound_call(
        f"{PUBLIC_BASE}/voice/inbound", from_=DEBTOR, to=PARLEY
    )
    await (await step.press("2")).finish_recording(duration=2)
    (callback,) = gateway.to("/voice/recording-status")
    _, _, body = await get(session, callback.form["RecordingUrl"])
    with wave.open(io.BytesIO(body)) as silence:
        assert (silence.getframerate(), silence.getnframes()) == (8000, 16000)


async def test_delete_through_the_sdk_then_404(
    emulator: TwilioEmulator, client: Client, session: aiohttp.ClientSession
) -> None:
    sid = emulator.add_recording(make_wav())
    url = emulator.recordings[sid]["media_url"]
    assert await client.recordings(sid).delete_async() is True
    assert sid not in emulator.recordings
    for gone in (url, url + ".json"):
        status, _, body = await get(session, gone)
        assert (status, json.loads(body)["code"]) == (404, 20404)
    with pytest.raises(TwilioRestException) as again:
        await client.recordings(sid).delete_async()
    assert (again.value.status, again.value.code) == (404, 20404)
    delete = emulator.recording_requests()[0]
    assert (delete.method, delete.path) == ("DELETE", url.removeprefix(emulator.base_url) + ".json")


async def test_media_failures_are_injected_apart_from_the_rest_api(
    emulator: TwilioEmulator, client: Client, session: aiohttp.ClientSession
) -> None:
    sid = emulator.add_recording(make_wav())
    url = emulator.recordings[sid]["media_url"]
    emulator.fail_next_media(2, status=503)
    assert (await client.recordings(sid).fetch_async()).sid == sid  # the SDK is not affected
    answers = [await get(session, url) for _ in range(3)]
    assert [status for status, _, _ in answers] == [503, 503, 200]
    assert json.loads(answers[0][2])["code"] == 20503
    emulator.fail_next(1, status=500)
    assert (await get(session, url))[0] == 200  # and downloads are not affected by fail_next
    with pytest.raises(TwilioRestException):
        await client.recordings(sid).fetch_async()


async def test_adapter_downloads_wav_by_default_and_mp3_when_named(
    emulator: TwilioEmulator, session: aiohttp.ClientSession
) -> None:
    audio = make_wav()
    url = emulator.recordings[emulator.add_recording(audio)]["media_url"]
    assert await fetch(session, emulator.base_url, url) == audio
    assert (await fetch(session, emulator.base_url, url + ".mp3"))[:3] == b"ID3"
    paths = [r.path for r in emulator.recording_requests()]
    assert paths == [url.removeprefix(emulator.base_url) + ext for ext in (".wav", ".mp3")]
    assert all(r.authorized for r in emulator.recording_requests())


async def test_adapter_never_sends_credentials_off_the_api_host(
    emulator: TwilioEmulator, session: aiohttp.ClientSession
) -> None:
    hits: list[web.Request] = []

    async def audio(request: web.Request) -> web.Response:
        return web.Response(body=make_wav())

    async with host(audio, hits) as other:
        path = emulator.recordings[emulator.add_recording(make_wav())]["uri"].removesuffix(".json")
        good = emulator.base_url + path
        refused = [
            other + path,  # same host, another port
            good.replace("http://", "https://"),
            good.replace("127.0.0.1", "localhost"),
            good.replace("http://", f"http://{emulator.account_sid}:x@"),
            good + "?RequestedChannels=2",
            good + ".json",
            good.replace("/Recordings/", "/Calls/"),
            good.replace("/Recordings/", "/Recordings/%2E%2E/"),
            "/" + path,
            "not a url",
        ]
        for url in refused:
            with pytest.raises(RecordingGone) as refusal:
                await fetch(session, emulator.base_url, url)
            assert emulator.account_sid not in str(refusal.value)
    assert hits == []
    assert emulator.recording_requests() == []


async def test_adapter_follows_a_redirect_without_the_credentials(
    session: aiohttp.ClientSession,
) -> None:
    api_hits: list[web.Request] = []
    storage_hits: list[web.Request] = []
    audio = make_wav()

    async def stored(request: web.Request) -> web.Response:
        return web.Response(body=audio, content_type="audio/x-wav")

    async with host(stored, storage_hits) as storage:

        async def redirect(request: web.Request) -> web.Response:
            return web.Response(status=302, headers={"Location": f"{storage}/signed/audio.wav"})

        async with host(redirect, api_hits) as api:
            downloaded = await fetch(session, api, api + RECORDING_PATH)
    assert downloaded == audio
    assert [r.path for r in api_hits] == [RECORDING_PATH + ".wav"]
    assert api_hits[0].headers["Authorization"].startswith("Basic ")
    assert [r.path for r in storage_hits] == ["/signed/audio.wav"]
    assert "Authorization" not in storage_hits[0].headers


async def test_adapter_stops_past_max_bytes(
    emulator: TwilioEmulator, session: aiohttp.ClientSession
) -> None:
    url = emulator.recordings[emulator.add_recording(make_wav())]["media_url"]
    with pytest.raises(RecordingTooLarge):  # Content-Length says so
        await fetch(session, emulator.base_url, url, max_bytes=1024)

    async def chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()  # no Content-Length: counted while streaming
        await response.prepare(request)
        for _ in range(8):
            await response.write(b"\0" * 1024)
        await response.write_eof()
        return response

    async with host(chunked, []) as api:
        with pytest.raises(RecordingTooLarge):
            await fetch(session, api, api + RECORDING_PATH, max_bytes=4096)
    assert issubclass(RecordingTooLarge, RecordingGone)


async def test_adapter_classifies_failures(
    emulator: TwilioEmulator, session: aiohttp.ClientSession
) -> None:
    url = emulator.recordings[emulator.add_recording(make_wav())]["media_url"]
    base = emulator.base_url
    emulator.fail_next_media(1, status=503)
    emulator.fail_next_media(1, status=429)
    for transient in ("HTTP 503 (Twilio 20503)", "HTTP 429 (Twilio 20429)"):
        with pytest.raises(RecordingFetchError) as failed:
            await fetch(session, base, url)
        assert str(failed.value) == transient
    emulator.stall_next_media(1, seconds=30)
    with pytest.raises(RecordingFetchError) as timed_out:
        await fetch(session, base, url, seconds=0.3)
    assert str(timed_out.value) == "network: TimeoutError"

    emulator.fail_next_media(1, status=403, code=20403)
    unknown = url[:-32] + "f" * 32
    for attempt, token, permanent in (
        (url, emulator.auth_token, "HTTP 403 (Twilio 20403)"),
        (unknown, emulator.auth_token, "HTTP 404 (Twilio 20404)"),
        (url, "wrong-token", "HTTP 401 (Twilio 20003)"),
    ):
        with pytest.raises(RecordingGone) as gone:
            await fetch(session, base, attempt, auth_token=token)
        assert str(gone.value) == permanent
    assert await fetch(session, base, url) == make_wav()  # the stall and failures are used up


async def test_delete_recording_twice(emulator: TwilioEmulator, client: Client) -> None:
    sid = emulator.add_recording(make_wav())
    emulator.fail_next(1, status=503)
    with pytest.raises(ProviderError) as failed:
        await delete_recording(client, sid)
    assert failed.value.retryable
    assert await delete_recording(client, sid) is True
    assert await delete_recording(client, sid) is False
