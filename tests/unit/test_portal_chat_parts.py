"""The web chat's pure parts: client frames, the rate limit, message shaping, the hub's fan-out
by conversation, and the chat provider."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from channels.base import LookupVerdict, OutboundMessage
from channels.web_chat import WebChatProvider
from gateway.portal.chat_frames import (
    MAX_BODY,
    ClientMessage,
    FrameError,
    RateLimit,
    clean_body,
    parse_frame,
)
from gateway.portal.chat_history import shape
from gateway.portal.chat_hub import QUEUE_SIZE, ChatHub

AT = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)


def message(**fields: Any) -> str:
    return json.dumps({"type": "message"} | fields)


def test_a_good_frame_is_a_message_with_its_text_cleaned() -> None:
    parsed = parse_frame(message(id="3f2a-b_c", body=" line one\r\nline\x07 two\t "))
    assert parsed == ClientMessage("3f2a-b_c", "line one\nline two")


def test_a_body_of_the_maximum_length_is_taken() -> None:
    assert isinstance(parse_frame(message(id="a", body="é" * MAX_BODY)), ClientMessage)


@pytest.mark.parametrize(
    ("data", "code", "field", "client_id"),
    [
        ("{", "bad_json", None, None),
        ('"message"', "bad_frame", None, None),
        ("{}", "unknown_type", "type", None),
        ('{"type": "typing"}', "unknown_type", "type", None),
        (message(body="hi"), "invalid_id", "id", None),
        (message(id="", body="hi"), "invalid_id", "id", None),
        (message(id="x" * 65, body="hi"), "invalid_id", "id", None),
        (message(id="a/b", body="hi"), "invalid_id", "id", None),
        (message(id=["a"], body="hi"), "invalid_id", "id", None),
        (message(id="a"), "missing_body", "body", "a"),
        (message(id="a", body=None), "missing_body", "body", "a"),
        (message(id="a", body=12), "missing_body", "body", "a"),
        (message(id="a", body="  \n\x00 "), "missing_body", "body", "a"),
        (message(id="a", body="x" * (MAX_BODY + 1)), "body_too_long", "body", "a"),
    ],
)
def test_a_bad_frame_names_its_fault(
    data: str, code: str, field: str | None, client_id: str | None
) -> None:
    parsed = parse_frame(data)
    assert isinstance(parsed, FrameError)
    assert (parsed.code, parsed.field, parsed.id) == (code, field, client_id)
    sent = parsed.frame()
    assert (sent["type"], sent["code"], sent["field"]) == ("error", code, field)
    assert sent["message"]


def test_clean_body_keeps_line_breaks_and_tabs_only() -> None:
    assert clean_body("\x00a\rb\r\nc\td\x1b") == "a\nb\nc\td"


def test_the_rate_limit_is_a_sliding_window() -> None:
    limit = RateLimit(limit=3, window=10.0)
    assert [limit.check(t) for t in (0.0, 1.0, 2.0)] == [None, None, None]
    assert limit.check(3.0) == pytest.approx(7.0)
    assert limit.check(9.9) == pytest.approx(0.1)
    assert limit.check(10.0) is None  # the first one left the window
    assert limit.check(10.5) == pytest.approx(0.5)


def row(direction: str, agent_id: str | None = None) -> Any:
    return SimpleNamespace(
        id="msg_1", direction=direction, agent_id=agent_id, body="Hello", created_at=AT
    )


@pytest.mark.parametrize(
    ("direction", "agent_id", "sender"),
    [("inbound", None, "you"), ("outbound", None, "assistant"), ("outbound", "agt_1", "agent")],
)
def test_a_message_says_who_wrote_it_but_never_which_agent(
    direction: str, agent_id: str | None, sender: str
) -> None:
    shaped = shape(row(direction, agent_id))
    assert shaped == {"id": "msg_1", "from": sender, "body": "Hello", "at": "2026-03-10T21:00:00Z"}


async def test_the_hub_feeds_only_the_sockets_of_the_conversation() -> None:
    hub = ChatHub(max_sockets=2)
    a1, a2, a3, b1 = object(), object(), object(), object()
    qa1, qa2 = hub.join("conv_a", a1), hub.join("conv_a", a2)  # type: ignore[arg-type]
    assert hub.join("conv_a", a3) is None  # type: ignore[arg-type]
    qb1 = hub.join("conv_b", b1)  # type: ignore[arg-type]
    assert qa1 is not None
    assert qa2 is not None
    assert qb1 is not None
    hub.dispatch(json.dumps({"event": "message.status", "conversation_id": "conv_a"}))
    hub.dispatch(json.dumps({"event": "message.status", "conversation_id": "conv_z"}))
    hub.dispatch("not json")
    hub.dispatch("[]")
    assert (qa1.qsize(), qa2.qsize(), qb1.qsize()) == (1, 1, 0)
    hub.leave("conv_a", a1)  # type: ignore[arg-type]
    hub.leave("conv_a", a2)  # type: ignore[arg-type]
    assert "conv_a" not in hub.rooms
    for _ in range(QUEUE_SIZE + 5):  # a full queue already holds a re-read: no error
        hub.notify("conv_b", "{}")
    assert qb1.qsize() == QUEUE_SIZE


async def test_a_closing_hub_takes_no_new_sockets() -> None:
    hub = ChatHub()
    await hub.close()
    assert hub.join("conv_a", object()) is None  # type: ignore[arg-type]


async def test_a_chat_message_is_delivered_when_handed_over() -> None:
    provider = WebChatProvider()
    outbound = OutboundMessage("msg_1", "chat", "", "Hello")
    sent = await provider.send(outbound)
    assert (provider.name, sent.provider_id, sent.status) == ("web_chat", "chat-msg_1", "delivered")
    found = await provider.lookup(outbound, AT)
    assert (found.verdict, found.result) == (LookupVerdict.FOUND, sent)
