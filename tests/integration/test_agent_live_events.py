"""Live events reach an agent's socket on one replica whatever replica the change came through;
the socket wants a session and this site's Origin."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from agent_console_helpers import add_agents, console, waiting_conversation
from conversation_helpers import daytime, inbound  # noqa: F401

from gateway.appkeys import LIVE
from gateway.config import Settings


async def next_event(ws: Any, conversation: str) -> dict[str, Any]:
    """The next event about ``conversation`` (other tests' processes publish too)."""
    while True:
        event = json.loads(await asyncio.wait_for(ws.receive_str(), 5))
        if event["conversation_id"] == conversation:
            return dict(event)


async def test_events_from_replica_b_reach_a_socket_on_replica_a(
    client: Any, settings: Settings, gateway: Any
) -> None:
    await add_agents(
        settings, ("ana@example.com", "Ana", "agent"), ("ben@example.com", "Ben", "agent")
    )
    ana = await console(gateway, settings, "ana@example.com")  # replica A
    ben = await console(gateway, settings, "ben@example.com")  # replica B
    origin = str(ana.client.make_url("")).rstrip("/")
    await ana.client.app[LIVE].subscribed.wait()
    ws = await ana.client.ws_connect("/agent/ws", headers={"Origin": origin})
    conversation = await waiting_conversation(client)  # through a third replica
    assert (await next_event(ws, conversation))["event"] == "conversation.waiting"
    await ben.call("POST", f"/conversations/{conversation}/claim")
    claimed = await next_event(ws, conversation)
    assert (claimed["event"], claimed["agent"]["name"]) == ("conversation.claimed", "Ben")
    await inbound(client, "still there?")
    assert (await next_event(ws, conversation))["event"] == "message.received"
    await ws.close()


async def test_the_socket_wants_a_session_and_this_sites_origin(
    settings: Settings, gateway: Any
) -> None:
    await add_agents(settings, ("ana@example.com", "Ana", "agent"))
    anonymous = await gateway(settings, token=None)
    refused = await anonymous.get("/agent/ws")
    assert refused.status == 401
    ana = await console(gateway, settings, "ana@example.com")
    evil = await ana.client.get(
        "/agent/ws",
        headers={"Origin": "https://evil.example", "Upgrade": "websocket", "Connection": "Upgrade"},
    )
    assert (evil.status, (await evil.json())["error"]["code"]) == (403, "bad_origin")
