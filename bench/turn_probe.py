"""One debtor's side of bench.bot_turns: a turn through the gateway, or straight to Rasa, timed."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import aiohttp
from sqlalchemy import select

from gateway.db.engine import create_engine
from gateway.db.tables import messages

# The reply's timestamp is the database's own, so polling for it adds nothing to a turn.
POLL_SECONDS = 0.05


class TurnProbe:
    """Sends turns to a running stack and reads their timings from its database."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        gateway_url: str,
        rasa_url: str,
        database_url: str,
        api_token: str,
    ) -> None:
        self.http = http
        self.gateway_url = gateway_url
        self.rasa_url = rasa_url
        self.engine = create_engine(database_url)
        self.api = {"Authorization": f"Bearer {api_token}"}
        self.stages: list[dict[str, float]] = []

    async def close(self) -> None:
        """Release the database connections."""
        await self.engine.dispose()

    async def account(self, ref: str, phone: str) -> str:
        """Register (or update) account ``ref`` with an SMS number; returns the number."""
        body = {
            "creditor": "Acme Bank",
            "collector_type": "third_party",
            "balance": {"amount": "432.10", "currency": "USD"},
            "debtor": {"name": "Dana Debtor", "timezone": "America/Chicago"},
            "contacts": [{"channel": "sms", "address": phone, "consent": True}],
        }
        url = f"{self.gateway_url}/v1/accounts/{ref}"
        async with self.http.put(url, json=body, headers=self.api) as response:
            assert response.status in (200, 201), await response.text()
        return phone

    async def inbound(self, phone: str, text: str) -> dict[str, Any]:
        """Post ``text`` from ``phone``; the gateway's answer (message and conversation ids)."""
        body = {"channel": "sms", "address": phone, "text": text}
        url = f"{self.gateway_url}/v1/messages/inbound"
        async with self.http.post(url, json=body, headers=self.api) as response:
            return dict(await response.json())

    async def reply_sent_at(self, message_id: str, conversation_id: str) -> datetime:
        """When the first reply after the message was sent (polls the database)."""
        while True:
            async with self.engine.connect() as conn:
                rows = list(
                    await conn.execute(
                        select(messages.c.id, messages.c.status, messages.c.updated_at)
                        .where(
                            messages.c.conversation_id == conversation_id,
                            messages.c.direction == "outbound",
                            messages.c.id > message_id,
                        )
                        .order_by(messages.c.id)
                    )
                )
            if rows and rows[0].status == "sent":
                return rows[0].updated_at  # type: ignore[no-any-return]
            await asyncio.sleep(POLL_SECONDS)

    async def answered(self, conversation_ids: set[str]) -> int:
        """How many inbound messages of these conversations the bot has answered."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(messages.c.status).where(
                    messages.c.conversation_id.in_(conversation_ids),
                    messages.c.direction == "inbound",
                )
            )
            return sum(1 for row in rows if row.status == "answered")

    async def direct(self, sender: str, text: str) -> float:
        """Seconds until Rasa's REST webhook answers ``text`` from ``sender``."""
        body = {"sender": sender, "message": text}
        started = time.perf_counter()
        async with self.http.post(f"{self.rasa_url}/webhooks/rest/webhook", json=body) as r:
            answer = await r.json()
        assert answer, "Rasa answered nothing"
        return time.perf_counter() - started

    async def through_gateway(self, phone: str, text: str) -> float:
        """Seconds from posting ``text`` to the gateway until its reply is recorded as sent."""
        started = datetime.now(UTC)
        sent = await self.inbound(phone, text)
        sent_at = await self.reply_sent_at(sent["message_id"], sent["conversation_id"])
        self.stages.append(await self.stages_of(sent["message_id"], started))
        return (sent_at - started).total_seconds()

    async def stages_of(self, message_id: str, started: datetime) -> dict[str, float]:
        """Where one gateway turn spent its time, from the rows' own timestamps."""
        async with self.engine.connect() as conn:
            inbound = (
                await conn.execute(select(messages).where(messages.c.id == message_id))
            ).one()
            reply = (
                await conn.execute(
                    select(messages)
                    .where(
                        messages.c.conversation_id == inbound.conversation_id,
                        messages.c.direction == "outbound",
                        messages.c.id > message_id,
                    )
                    .order_by(messages.c.id)
                    .limit(1)
                )
            ).one()
        return {
            "intake (POST, stored)": (inbound.created_at - started).total_seconds(),
            "queue + turn (incl. Rasa)": (reply.created_at - inbound.created_at).total_seconds(),
            "reply: policy + provider": (reply.updated_at - reply.created_at).total_seconds(),
        }
