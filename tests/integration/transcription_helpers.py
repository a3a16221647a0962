"""The transcription job in-process, for the tests that run it with the real models and the
stack's Rasa: the models loaded once per test process, and a job runner that records every
text sent to Rasa."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from arq.connections import RedisSettings, create_pool
from sqlalchemy import select

from gateway.config import Settings
from gateway.conversations.rasa import RasaClient
from gateway.db.engine import create_engine
from gateway.db.tables import (
    account_updates,
    audit_log,
    messages,
    recordings,
    transcript_reviews,
)
from gateway.messages.providers import twilio_client
from gateway.recordings.speech_models import load_speech_models
from gateway.recordings.transcribing import Transcribing
from transcription.entities import EntityReader
from transcription.pipeline import Pipeline

# Where a recording's words could end up: every text column a transcript feeds.
TEXT_TABLES = (recordings, messages, account_updates, transcript_reviews, audit_log)
# Separators speech recognition puts between spoken digits ("41, 1, 1", "$41, $1").
_SEPARATORS = re.compile(r"[\s,.$|\-]")


def holds_card_digits(text: str) -> bool:
    """Whether ``text`` still carries a run of the test card's digits (4111 1111 ...)."""
    squeezed = _SEPARATORS.sub("", text)
    return "41111" in squeezed or "1111111" in squeezed


@pytest.fixture(scope="session")
def speech_models() -> tuple[Pipeline, EntityReader]:
    """faster-whisper and spaCy, loaded once for the test process."""
    from stack import repo_settings

    return load_speech_models(repo_settings())


class RecordingRasa(RasaClient):
    """Rasa's client that keeps every text it sends, so a test can read what Rasa saw."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        super().__init__(session, base_url, 30.0)
        self.sent: list[str] = []

    async def parse(self, text: str) -> tuple[str | None, float]:
        self.sent.append(text)
        return await super().parse(text)


@asynccontextmanager
async def job_runner(
    settings: Settings, models: tuple[Pipeline, EntityReader], rasa_url: str
) -> AsyncIterator[Transcribing]:
    """A ``Transcribing`` on the test's database and Redis, with the models given."""
    engine = create_engine(settings.database_url)
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_dsn))
    async with aiohttp.ClientSession() as http:
        pipeline, reader = models
        twilio = twilio_client(settings, http) if settings.twilio_account_sid else None
        try:
            yield Transcribing(
                settings=settings,
                engine=engine,
                redis=redis,
                http=http,
                pipeline=pipeline,
                reader=reader,
                rasa=RecordingRasa(http, rasa_url),
                twilio=twilio,
            )
        finally:
            await redis.aclose()
            await engine.dispose()


async def stored_text(settings: Settings) -> str:
    """Every row of every table a transcript feeds, as one text."""
    engine = create_engine(settings.database_url)
    async with engine.connect() as conn:
        rows: list[Any] = []
        for table in TEXT_TABLES:
            rows += list(await conn.execute(select(table)))
    await engine.dispose()
    return "\n".join(str(tuple(row)) for row in rows)
