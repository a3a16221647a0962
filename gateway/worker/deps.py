"""What every job needs, opened once per worker and handed to jobs typed, through arq's ``ctx``.

``ctx`` is arq's: it holds ``settings`` (given to the worker), ``providers`` (given by tests to
replace the configured ones), ``redis`` and ``job_try`` (set by arq) and ``deps`` (set on start-up).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientSession
from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine

from channels.base import Provider
from gateway.config import Settings
from gateway.conversations.bot_turns import BotTurns
from gateway.conversations.rasa import RasaClient
from gateway.db.engine import create_engine
from gateway.db.migrate import ensure_migrated
from gateway.messages.providers import build_providers
from gateway.messages.send import Sender
from gateway.outreach.intake import Intake
from gateway.outreach.rendering import TemplateLibrary
from gateway.outreach.sending import OutreachSender
from policies import states, timezones


@dataclass(frozen=True, slots=True)
class Deps:
    """The worker's resources and the features its jobs call."""

    settings: Settings
    engine: AsyncEngine
    redis: ArqRedis
    http: ClientSession
    sender: Sender
    outreach: OutreachSender
    turns: BotTurns
    # Outreach the worker starts itself (validation notices).
    intake: Intake

    @classmethod
    async def open(
        cls, settings: Settings, redis: ArqRedis, providers: Mapping[str, Provider] | None = None
    ) -> Deps:
        """Open the database and the HTTP session; ``providers`` replaces the configured ones."""
        engine = create_engine(settings.database_url)
        try:
            await ensure_migrated(engine)
        except BaseException:
            await engine.dispose()
            raise
        timezones.preload()
        states.preload()
        # One connection pool for every outgoing call (providers, webhook deliveries, Rasa).
        http = ClientSession()
        sender = Sender(engine, redis, providers or build_providers(settings, http), settings)
        rasa = RasaClient(http, str(settings.rasa_url), settings.rasa_timeout_seconds)
        templates = TemplateLibrary()
        return cls(
            settings=settings,
            engine=engine,
            redis=redis,
            http=http,
            sender=sender,
            outreach=OutreachSender(sender, templates),
            turns=BotTurns(engine, redis, settings, rasa, sender),
            intake=Intake(templates, settings),
        )

    async def close(self) -> None:
        """Close what ``open`` opened."""
        await self.http.close()
        await self.engine.dispose()


def deps_of(ctx: dict[str, Any]) -> Deps:
    """The worker's dependencies, from arq's ``ctx`` (set there on start-up)."""
    deps = ctx["deps"]
    assert isinstance(deps, Deps)
    return deps


def job_try(ctx: dict[str, Any]) -> int:
    """Which run of its job this is (arq counts from 1)."""
    return int(ctx.get("job_try", 1))
