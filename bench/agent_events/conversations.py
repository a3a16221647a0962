"""The setup: debtors' accounts and one conversation each, held by an agent."""

from __future__ import annotations

import aiohttp

from bench.agent_events.debtors import SETUP_TEXT, account_document, phone, redact
from bench.agent_events.sockets import Login
from bench.agent_events.stack import CORE_API_AUTH, Replica


async def open_conversations(
    http: aiohttp.ClientSession,
    a: Replica,
    b: Replica,
    agent: Login,
    count: int,
) -> list[tuple[str, str]]:
    """Accounts, one conversation each (opened through B's API), every one claimed on A."""
    found = []
    for i in range(count):
        async with http.put(
            f"{b.url}/v1/accounts/AE-{i:04d}", json=account_document(i), headers=CORE_API_AUTH
        ) as response:
            if response.status not in (200, 201):
                raise RuntimeError(f"PUT /v1/accounts answered {response.status}")
        async with http.post(
            f"{b.url}/v1/messages/inbound",
            json={"channel": "sms", "address": phone(i), "text": SETUP_TEXT},
            headers=CORE_API_AUTH,
        ) as response:
            body = await response.json()
            if response.status != 202 or not body.get("conversation_id"):
                raise RuntimeError(f"inbound answered {response.status}, route {body.get('route')}")
            conversation_id = str(body["conversation_id"])
        async with http.post(
            f"{a.url}/agent/api/conversations/{conversation_id}/claim", headers=agent.headers()
        ) as response:
            if response.status != 200:
                raise RuntimeError(
                    f"claim answered {response.status}: {redact((await response.text())[:300])}"
                )
        found.append((conversation_id, phone(i)))
    return found
