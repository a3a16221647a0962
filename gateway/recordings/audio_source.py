"""Where a recording's bytes come from: Twilio (with the account's credentials, through the
channel adapter), a dialer's URL, or an upload held in the database.

Each source becomes a ``fetch`` callable for the transcription pipeline. Transient failures
(network, 5xx) raise ``RecordingFetchError`` and the job is retried; permanent ones
(``RecordingGone``, too large) end the recording as failed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from channels.downloads import RecordingGone, download
from channels.twilio_recordings import fetch_recording
from gateway.config import Settings
from gateway.db.engine import reading
from gateway.db.tables import recording_audio

Fetch = Callable[[], Awaitable[bytes]]
TWILIO_API = "https://api.twilio.com"


def fetcher(
    recording: Any, engine: AsyncEngine, http: aiohttp.ClientSession, settings: Settings
) -> Fetch:
    """The fetch of this recording's audio."""

    async def held() -> bytes:
        async with reading(engine) as conn:
            data = await conn.scalar(
                select(recording_audio.c.data).where(recording_audio.c.recording_id == recording.id)
            )
        if data is None:
            raise RecordingGone("the uploaded audio is no longer held")
        return bytes(data)

    async def from_twilio() -> bytes:
        if settings.twilio_account_sid is None or settings.twilio_auth_token is None:
            raise RecordingGone("no Twilio credentials to fetch the recording with")
        return await fetch_recording(
            http,
            recording_url=recording.url,
            api_base_url=str(settings.twilio_base_url or TWILIO_API),
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token.get_secret_value(),
            max_bytes=settings.recording_max_bytes,
            timeout=settings.recording_fetch_timeout_seconds,
        )

    async def from_url() -> bytes:
        return await download(
            http,
            recording.url,
            max_bytes=settings.recording_max_bytes,
            seconds=settings.recording_fetch_timeout_seconds,
        )

    if recording.url is None:
        return held
    return from_twilio if recording.provider == "twilio" else from_url
