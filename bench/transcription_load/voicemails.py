"""The voicemails: a handful of debtors' messages of 5 to 15 s, spoken into telephone audio,
posted as a core system's uploads (``POST /v1/recordings``), and their progress in the database."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.bot_turns import ROOT
from gateway.db.tables import recordings
from transcription.audio import decode

if str(ROOT / "tests") not in sys.path:  # the speech helpers, as pytest sees them
    sys.path.insert(0, str(ROOT / "tests"))

from speech_audio import speak

# (kind, script): promises, a dispute, hardship, cease requests; 6 to 15 s at espeak-ng's pace.
SCRIPTS = (
    (
        "promise",
        "Hi, this is Dana Miller returning your call. I can pay two hundred dollars on the "
        "fifteenth.",
    ),
    (
        "promise",
        "Hello, this is Mark returning your call. I can send fifty dollars this Friday and "
        "another fifty next Friday. Please call me back if that works.",
    ),
    (
        "dispute",
        "I do not owe this money. That account was closed years ago and I dispute the balance. "
        "Please send me proof of this debt in writing.",
    ),
    (
        "stop calling",
        "Stop calling me. I do not want any more calls about this. Take my number off your list.",
    ),
    (
        "hardship",
        "This is Linda. I lost my job last month and I cannot pay anything right now. I want to "
        "set up a payment plan of seventy five dollars a month starting next month.",
    ),
    (
        "stop calling at work",
        "Please stop calling my phone at work. My employer does not allow it. I want all "
        "communication in writing from now on.",
    ),
    (
        "promise",
        "Hi, it's Robert Chen about my account. I will pay the full balance of nine hundred forty "
        "dollars on the first of June, when my tax refund arrives. If you need anything else, "
        "call me back after six in the evening.",
    ),
)
DONE = ("transcribed", "failed")


@dataclass(frozen=True)
class Voicemail:
    """One script spoken at 8 kHz μ-law, with its length."""

    kind: str
    audio: bytes
    seconds: float


def voicemails(count: int) -> list[Voicemail]:
    """``count`` voicemails going round the scripts (each script is spoken once)."""
    spoken = [(kind, speak(text)) for kind, text in SCRIPTS]
    clips = [Voicemail(kind, audio, decode(audio).duration_seconds) for kind, audio in spoken]
    return [clips[i % len(clips)] for i in range(count)]


async def post(
    http: aiohttp.ClientSession,
    gateway_url: str,
    api_token: str,
    account_ref: str,
    external_id: str,
    voicemail: Voicemail,
) -> str:
    """Upload ``voicemail`` as ``account_ref``'s recording; its id."""
    form = aiohttp.FormData()
    fields = {
        "account_ref": account_ref,
        "external_id": external_id,
        "recorded_at": datetime.now(UTC).isoformat(),
        "direction": "inbound",
    }
    for key, value in fields.items():
        form.add_field(key, value)
    form.add_field("file", voicemail.audio, filename="voicemail.wav", content_type="audio/wav")
    headers = {"Authorization": f"Bearer {api_token}"}
    async with http.post(f"{gateway_url}/v1/recordings", data=form, headers=headers) as response:
        if response.status != 202:
            raise RuntimeError(f"POST /v1/recordings: {response.status} {await response.text()}")
        return str((await response.json())["id"])


async def post_all(
    http: aiohttp.ClientSession,
    gateway_url: str,
    api_token: str,
    uploads: list[tuple[str, str, Voicemail]],
    at_once: int,
) -> list[str]:
    """Upload every (account_ref, external_id, voicemail), ``at_once`` at a time; their ids."""
    semaphore = asyncio.Semaphore(at_once)

    async def one(ref: str, external_id: str, voicemail: Voicemail) -> str:
        async with semaphore:
            return await post(http, gateway_url, api_token, ref, external_id, voicemail)

    return list(await asyncio.gather(*(one(*upload) for upload in uploads)))


async def statuses(engine: AsyncEngine, ids: list[str]) -> dict[str, int]:
    """How many of the recordings ``ids`` are in each status."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(recordings.c.status, func.count())
            .where(recordings.c.id.in_(ids))
            .group_by(recordings.c.status)
        )
        return {str(status): int(count) for status, count in rows}


async def finished(
    engine: AsyncEngine, ids: list[str]
) -> dict[str, tuple[str, datetime, datetime | None]]:
    """Each recording's status, when it was accepted and when it was transcribed (None: not)."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(
                recordings.c.id,
                recordings.c.status,
                recordings.c.created_at,
                recordings.c.transcribed_at,
            ).where(recordings.c.id.in_(ids))
        )
        return {str(row.id): (str(row.status), row.created_at, row.transcribed_at) for row in rows}
