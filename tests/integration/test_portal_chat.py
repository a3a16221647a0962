"""The debtor portal's web chat (``/portal/ws``): a verified debtor's session, this site's
Origin, the history, messages stored once however often they are resent, replies pushed live
from whatever replica or worker sent them, refused frames, and the session's end."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from agent_console_helpers import BOT, add_agents, console
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient
from conversation_helpers import DAYTIME, daytime, new_account, rows  # noqa: F401
from sqlalchemy import func, select, update

from gateway.appkeys import CHAT, PORTAL_SESSIONS, REDIS
from gateway.config import Settings
from gateway.conversations.agent_events import MESSAGE_STATUS, AgentEvent, publish
from gateway.db.engine import create_engine
from gateway.db.tables import accounts, conversations, messages
from gateway.pages import portal_chat_socket as chat_socket
from gateway.portal.sessions import COOKIE, PortalSession

CONVERSATION = "conv_portal_chat"


@dataclass
class Debtor:
    """A verified debtor's portal session on one replica, and the Origin of its pages."""

    client: TestClient[Any, Any]
    session: PortalSession

    @property
    def origin(self) -> str:
        return str(self.client.make_url("")).rstrip("/")

    def headers(self, origin: str | None = None) -> dict[str, str]:
        return {"Cookie": f"{COOKIE}={self.session.session_id}", "Origin": origin or self.origin}

    async def connect(self) -> Any:
        await self.client.app[CHAT].subscribed.wait()
        return await self.client.ws_connect("/portal/ws", headers=self.headers())


async def execute(settings: Settings, *statements: Any) -> None:
    engine = create_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(statement)
    finally:
        await engine.dispose()


async def verified_debtor(client: Any, settings: Settings) -> Debtor:
    """Account A-1, its web-chat conversation verified by the portal, and a portal session."""
    await new_account(client)
    [(account_id,)] = await rows(settings, select(accounts.c.id))
    await execute(
        settings,
        conversations.insert().values(
            id=CONVERSATION,
            account_id=account_id,
            channel="chat",
            address=None,
            state="bot",
            verified_at=DAYTIME,
            created_at=DAYTIME,
            updated_at=DAYTIME,
        ),
    )
    session = await client.app[PORTAL_SESSIONS].start(
        account_id=account_id,
        account_ref="A-1",
        link_id="link_test",
        conversation_id=CONVERSATION,
    )
    return Debtor(client, session)


def outbound(message_id: str, status: str, body: str, agent_id: str | None = None) -> Any:
    return messages.insert().values(
        id=message_id,
        conversation_id=CONVERSATION,
        channel="chat",
        direction="outbound",
        body=body,
        provider="web_chat",
        provider_id=f"chat-{message_id}",
        purpose="reply",
        agent_id=agent_id,
        status=status,
        created_at=DAYTIME + timedelta(seconds=len(message_id)),
        updated_at=DAYTIME,
    )


async def frame(ws: Any) -> dict[str, Any]:
    return dict(await ws.receive_json(timeout=5))


async def until(ws: Any, kind: str, **fields: Any) -> dict[str, Any]:
    """The next frame of ``kind`` with ``fields`` (frames before it are skipped)."""
    while True:
        got = await frame(ws)
        if got["type"] == kind and all(got.get(k) == v for k, v in fields.items()):
            return got


async def opening(ws: Any) -> list[dict[str, Any]]:
    """The history frame and the state frame that follows it."""
    history, state = await frame(ws), await frame(ws)
    assert (history["type"], state["type"]) == ("history", "state")
    return [history, state]


async def chat_rows(settings: Settings) -> int:
    [(n,)] = await rows(
        settings,
        select(func.count()).where(
            messages.c.conversation_id == CONVERSATION, messages.c.direction == "inbound"
        ),
    )
    return int(n)


async def test_the_socket_wants_a_session_and_this_sites_origin(
    client: Any, settings: Settings
) -> None:
    debtor = await verified_debtor(client, settings)
    upgrade = {"Upgrade": "websocket", "Connection": "Upgrade", "Origin": debtor.origin}
    anonymous = await client.get("/portal/ws", headers=upgrade)
    assert (anonymous.status, (await anonymous.json())["error"]["code"]) == (401, "no_session")
    evil = await client.get(
        "/portal/ws", headers=upgrade | debtor.headers(origin="https://evil.example")
    )
    assert (evil.status, (await evil.json())["error"]["code"]) == (403, "bad_origin")
    page = await client.get("/portal/chat", headers=debtor.headers())
    html = await page.text()
    assert page.status == 200
    assert f'<meta name="csrf-token" content="{debtor.session.csrf_token}">' in html
    assert 'src="/portal/static/portal_chat.js"' in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


async def test_history_shows_what_the_debtor_wrote_and_what_reached_them(
    client: Any, settings: Settings
) -> None:
    debtor = await verified_debtor(client, settings)
    [agent_id] = (await add_agents(settings, ("ana@example.com", "Ana Agent", "agent"))).values()
    await execute(
        settings,
        outbound("msg_a", "sent", "Hello from the assistant."),
        outbound("msg_bb", "delivered", "Hi, I am from the team.", agent_id),
        outbound("msg_ccc", "queued", "not yet sent"),
        outbound("msg_dddd", "blocked", "never sent"),
        outbound("msg_eeeee", "failed", "failed"),
    )
    ws = await debtor.connect()
    history, state = await opening(ws)
    assert [(m["id"], m["from"], m["body"]) for m in history["messages"]] == [
        ("msg_a", "assistant", "Hello from the assistant."),
        ("msg_bb", "agent", "Hi, I am from the team."),
    ]
    assert history["messages"][0]["at"].endswith("Z")
    assert "Ana" not in json.dumps(history)
    assert agent_id not in json.dumps(history)
    assert state == {"type": "state", "state": "bot"}
    await ws.close()


async def test_a_message_is_stored_once_however_often_it_is_resent(
    client: Any, settings: Settings
) -> None:
    debtor = await verified_debtor(client, settings)
    ws = await debtor.connect()
    await opening(ws)
    await ws.send_json({"type": "message", "id": "c-1", "body": "  I can pay on Friday \r\n"})
    ack = await until(ws, "ack", id="c-1")
    # The debtor's message waits for the assistant's turn: the page shows it typing.
    assert await until(ws, "typing") == {"type": "typing", "who": "assistant", "on": True}
    await ws.close()
    again = await debtor.connect()  # a reconnect that resends what was not acknowledged
    history, _ = await opening(again)
    assert [(m["id"], m["from"]) for m in history["messages"]] == [(ack["message_id"], "you")]
    await again.send_json({"type": "message", "id": "c-1", "body": "I can pay on Friday"})
    assert (await until(again, "ack", id="c-1"))["message_id"] == ack["message_id"]
    assert await chat_rows(settings) == 1
    [(body, provider, provider_id, status)] = await rows(
        settings,
        select(messages.c.body, messages.c.provider, messages.c.provider_id, messages.c.status),
    )
    assert (body, provider, provider_id) == (
        "I can pay on Friday",
        "web_chat",
        "conv_portal_chat:c-1",
    )
    assert status == "pending"  # routed to the assistant; its turn job is queued

    # The assistant's reply, recorded and announced as the send core does: pushed, typing off.
    await execute(
        settings,
        update(messages).where(messages.c.id == ack["message_id"]).values(status="answered"),
        outbound("msg_reply_1", "sent", "Thanks, noted."),
    )
    event = AgentEvent(MESSAGE_STATUS, CONVERSATION, {"message_id": "msg_reply_1"})
    await publish(client.app[REDIS], event)
    pushed = await until(again, "message")
    assert (pushed["id"], pushed["from"], pushed["body"]) == (
        "msg_reply_1",
        "assistant",
        "Thanks, noted.",
    )
    assert await until(again, "typing") == {"type": "typing", "who": "assistant", "on": False}
    await again.close()


async def test_an_agents_reply_reaches_the_open_socket(
    client: Any, settings: Settings, gateway: Any, drain: Any
) -> None:
    debtor = await verified_debtor(client, settings)
    await add_agents(
        settings,
        ("ana@example.com", "Ana Agent", "agent"),
        ("bo@example.com", "Bo Agent", "agent"),
    )
    ana = await console(gateway, settings, "ana@example.com")  # another replica
    bo = await console(gateway, settings, "bo@example.com")
    ws = await debtor.connect()
    await opening(ws)
    await ws.send_json({"type": "message", "id": "c-1", "body": "Can I talk to a person?"})
    await until(ws, "ack", id="c-1")
    handoff = await client.post(
        f"/v1/bot/conversations/{CONVERSATION}/updates",
        json={"kind": "handoff", "data": {"reason": "asked for a person"}},
        headers=BOT,
    )
    assert handoff.status == 201, await handoff.text()
    assert await until(ws, "state") == {"type": "state", "state": "escalated"}
    status, _ = await ana.call("POST", f"/conversations/{CONVERSATION}/claim")
    assert status == 200
    assert await until(ws, "state") == {"type": "state", "state": "agent"}
    status, _ = await bo.call("POST", f"/conversations/{CONVERSATION}/typing")
    assert status == 403  # only the holder's writing is shown
    status, _ = await ana.call("POST", f"/conversations/{CONVERSATION}/typing")
    assert status == 200
    typing = await until(ws, "typing", who="agent")
    assert typing["on"] is True
    status, answer = await ana.call(
        "POST", f"/conversations/{CONVERSATION}/messages", {"text": "Hi, this is the team."}
    )
    assert (status, answer["status"]) == (202, "queued"), answer
    await drain()  # the worker's send core: the web_chat provider, then the event
    pushed = await until(ws, "message", id=answer["id"])
    assert pushed["from"] == "agent"
    assert "Hi, this is the team." in pushed["body"]
    assert "Ana" not in json.dumps(pushed)
    [(status_now, provider_id)] = await rows(
        settings,
        select(messages.c.status, messages.c.provider_id).where(messages.c.id == answer["id"]),
    )
    assert (status_now, provider_id) == ("sent", f"chat-{answer['id']}")
    await ws.close()


BAD_FRAMES = [
    ("not json", "bad_json", None),
    ("[1, 2]", "bad_frame", None),
    ('{"type": "subscribe"}', "unknown_type", "type"),
    ('{"type": "message", "id": 5, "body": "hi"}', "invalid_id", "id"),
    ('{"type": "message", "id": "has space", "body": "hi"}', "invalid_id", "id"),
    ('{"type": "message", "id": "c-1"}', "missing_body", "body"),
    (json.dumps({"type": "message", "id": "c-2", "body": " \x00 \n\t "}), "missing_body", "body"),
    ('{"type": "message", "id": "c-3", "body": ["hi"]}', "missing_body", "body"),
    (json.dumps({"type": "message", "id": "c-4", "body": "x" * 2001}), "body_too_long", "body"),
]


async def test_refused_frames_get_an_error_and_store_nothing(
    client: Any, settings: Settings
) -> None:
    debtor = await verified_debtor(client, settings)
    ws = await debtor.connect()
    await opening(ws)
    for data, code, field in BAD_FRAMES:
        await ws.send_str(data)
        error = await frame(ws)
        assert (error["type"], error["code"], error["field"]) == ("error", code, field), data
    await ws.send_bytes(b"\x00\x01")
    assert (await frame(ws))["code"] == "bad_frame"
    assert await chat_rows(settings) == 0
    # Still open, and a good message after all that is stored.
    await ws.send_json({"type": "message", "id": "c-5", "body": "x" * 2000})
    assert (await until(ws, "ack", id="c-5"))["message_id"].startswith("msg_")
    assert await chat_rows(settings) == 1
    await ws.close()


async def test_a_page_sending_too_fast_is_told_to_wait(client: Any, settings: Settings) -> None:
    debtor = await verified_debtor(client, settings)
    ws = await debtor.connect()
    await opening(ws)
    for n in range(21):
        await ws.send_json({"type": "message", "id": f"c-{n}", "body": f"message {n}"})
    refused = await until(ws, "error")
    assert (refused["code"], refused["id"]) == ("rate_limited", "c-20")
    assert 0 < refused["retry_after"] <= 10
    assert await chat_rows(settings) == 20
    await ws.close()


async def test_the_socket_closes_when_the_session_ends(
    client: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chat_socket, "SESSION_CHECK_SECONDS", 0.2)
    debtor = await verified_debtor(client, settings)
    ws = await debtor.connect()
    await opening(ws)
    await client.app[PORTAL_SESSIONS].end(debtor.session.session_id)
    closed = await ws.receive(timeout=5)
    assert (closed.type, ws.close_code) == (WSMsgType.CLOSE, chat_socket.SESSION_ENDED)


async def test_a_message_after_the_session_ended_is_not_stored(
    client: Any, settings: Settings
) -> None:
    debtor = await verified_debtor(client, settings)
    ws = await debtor.connect()
    await opening(ws)
    await client.app[PORTAL_SESSIONS].end(debtor.session.session_id)
    await ws.send_json({"type": "message", "id": "c-1", "body": "hello"})
    closed = await ws.receive(timeout=5)
    assert (closed.type, ws.close_code) == (WSMsgType.CLOSE, chat_socket.SESSION_ENDED)
    assert await chat_rows(settings) == 0


async def test_other_tabs_of_the_conversation_see_the_message(
    client: Any, settings: Settings
) -> None:
    debtor = await verified_debtor(client, settings)
    first, second = await debtor.connect(), await debtor.connect()
    await opening(first)
    await opening(second)
    await first.send_json({"type": "message", "id": "c-1", "body": "from tab one"})
    ack = await until(first, "ack", id="c-1")
    seen = await until(second, "message")
    assert (seen["id"], seen["from"], seen["body"]) == (ack["message_id"], "you", "from tab one")
    await asyncio.gather(first.close(), second.close())
