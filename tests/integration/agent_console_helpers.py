"""Agents, their logged-in consoles and waiting conversations, for the agent console tests."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from conversation_helpers import inbound, new_account

from gateway import clock
from gateway.agents.directory import add_agent
from gateway.config import Settings
from gateway.db.engine import create_engine

PASSWORD = "correct horse battery"
BOT = {"Authorization": "Bearer parley-dev-bot-token"}


async def add_agents(settings: Settings, *people: tuple[str, str, str]) -> dict[str, str]:
    """Create agents from (email, name, role); returns their ids by email."""
    engine = create_engine(settings.database_url)
    ids = {}
    async with engine.begin() as conn:
        for email, name, role in people:
            agent = await add_agent(
                conn, email=email, name=name, role=role, password=PASSWORD, now=clock.utcnow()
            )
            ids[email] = agent.id
    await engine.dispose()
    return ids


class Console:
    """One agent's console on one gateway replica: a cookie jar and the CSRF token."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client
        self.csrf = ""

    async def login(self, email: str, password: str = PASSWORD) -> tuple[int, dict[str, Any]]:
        response = await self.client.post(
            "/agent/api/login", json={"email": email, "password": password}
        )
        body = await response.json()
        if response.status == 200:
            self.csrf = body["csrf_token"]
        return response.status, body

    async def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, **params: str
    ) -> tuple[int, Any]:
        headers = {"X-CSRF-Token": self.csrf} if method != "GET" else {}
        response = await self.client.request(
            method, "/agent/api" + path, json=body, headers=headers, params=params
        )
        return response.status, (await response.json() if response.status != 204 else None)


async def console(gateway: Any, settings: Settings, email: str) -> Console:
    """A logged-in console on a replica of its own (``init_app`` built again)."""
    agent = Console(await gateway(settings, token=None))
    status, body = await agent.login(email)
    assert status == 200, body
    return agent


async def waiting_conversation(client: Any, text: str = "hi", ref: str = "A-1") -> str:
    """An account whose debtor wrote and asked for a person: in the waiting queue."""
    await new_account(client, ref)
    conversation = str((await inbound(client, text))["conversation_id"])
    response = await client.post(
        f"/v1/bot/conversations/{conversation}/updates",
        json={"kind": "handoff", "data": {"reason": "asked for a person"}},
        headers=BOT,
    )
    assert response.status == 201, await response.text()
    return conversation
