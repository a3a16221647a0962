"""The assistant end to end: gateway, two workers, the real Rasa and action server (stack.py).

A debtor writes through ``POST /v1/messages/inbound`` (the path every channel takes after its
own webhook) and reads the replies the console provider sent, exactly as ``parley chat`` does.
"""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from stack import BotStack

from gateway.cli.chat_client import ChatSession
from gateway.normalize import local_today, parse_date
from gateway.records.core_webhook import verify

ZONE = "America/Chicago"
CREDITOR = "Acme Bank"
BALANCE = "432.10"
DOB = "03/14/1985"


@pytest.fixture(scope="session")
def bot_stack_env() -> dict[str, str]:
    # Quick retries while Rasa is away, and a long wait before a person takes over.
    return {
        "PARLEY_SEND_RETRY_BASE_SECONDS": "0.5",
        "PARLEY_BOT_UNAVAILABLE_ESCALATE_SECONDS": "900",
    }


class Debtor:
    """One debtor's phone: says things, returns what the assistant sent back."""

    def __init__(self, http: aiohttp.ClientSession, stack: BotStack, phone: str) -> None:
        self.out = io.StringIO()
        self.session = ChatSession(http, stack.gateway_url, self.out)
        self.phone = phone

    async def say(self, text: str) -> list[str]:
        start = len(self.out.getvalue())
        await self.session.say("sms", self.phone, text, wait=90)
        lines = self.out.getvalue()[start:].splitlines()
        assert not any(line.startswith("(no answer") for line in lines), lines
        return [line.removeprefix("bot> ") for line in lines if line.startswith("bot> ")]


@pytest.fixture
async def http(bot_stack: BotStack) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"Authorization": f"Bearer {bot_stack.api_token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        yield session


async def new_debtor(http: aiohttp.ClientSession, stack: BotStack, ref: str, phone: str) -> Debtor:
    body = {
        "creditor": CREDITOR,
        "collector_type": "third_party",
        "balance": {"amount": BALANCE, "currency": "USD"},
        "debtor": {
            "name": "Dana Debtor",
            "timezone": ZONE,
            "postal_code": "60601",
            "date_of_birth": "1985-03-14",
        },
        "contacts": [{"channel": "sms", "address": phone, "consent": True}],
    }
    async with http.put(f"{stack.gateway_url}/v1/accounts/{ref}", json=body) as response:
        assert response.status in (200, 201), await response.text()
    return Debtor(http, stack, phone)


async def updates(http: aiohttp.ClientSession, stack: BotStack, ref: str) -> list[dict[str, Any]]:
    async with http.get(f"{stack.gateway_url}/v1/accounts/{ref}/updates") as response:
        return list((await response.json())["updates"])


async def verify_identity(debtor: Debtor) -> None:
    asked = await debtor.say("hi")
    assert any("date of birth" in reply for reply in asked), asked
    answered = await debtor.say(DOB)
    assert any("verified" in reply for reply in answered), answered


def discloses(replies: list[str]) -> bool:
    text = " ".join(replies)
    return CREDITOR in text or BALANCE in text or "debt" in text.lower()


async def test_a_promise_is_captured_normalised_and_delivered_signed(
    http: aiohttp.ClientSession, bot_stack: BotStack
) -> None:
    debtor = await new_debtor(http, bot_stack, "E2E-PROMISE", "+13125550101")
    await verify_identity(debtor)
    balance = await debtor.say("how much do i owe?")
    assert any(f"${BALANCE}" in reply and CREDITOR in reply for reply in balance), balance
    read_back = await debtor.say("I can pay fifty bucks next friday")
    assert any("$50.00" in reply for reply in read_back), read_back
    recorded = await debtor.say("yes")
    assert any("recorded your promise" in reply for reply in recorded), recorded

    (promise,) = [
        u for u in await updates(http, bot_stack, "E2E-PROMISE") if u["kind"] == "promise_to_pay"
    ]
    today = local_today(datetime.now(UTC), ZONE)
    assert promise["data"]["amount"] == "50.00"
    assert promise["data"]["date"] == parse_date("next friday", today).isoformat()  # type: ignore[union-attr]
    assert promise["source"] == "bot"

    request = await _delivered(bot_stack, promise["id"])
    assert verify(
        bot_stack.webhook_secret.encode(),
        request.headers["X-Parley-Timestamp"],
        request.headers["X-Parley-Signature"],
        request.body,
        now=int(time.time()),
    )
    assert request.json()["kind"] == "promise_to_pay"
    assert request.json()["data"]["amount"] == "50.00"


async def test_a_dispute_holds_collection(http: aiohttp.ClientSession, bot_stack: BotStack) -> None:
    debtor = await new_debtor(http, bot_stack, "E2E-DISPUTE", "+13125550102")
    await verify_identity(debtor)
    asked = await debtor.say("this isnt my debt, i dispute it")
    assert any("why" in reply.lower() for reply in asked), asked
    recorded = await debtor.say("I never had an account with them")
    assert any("verification" in reply for reply in recorded), recorded
    (dispute,) = [
        u for u in await updates(http, bot_stack, "E2E-DISPUTE") if u["kind"] == "dispute"
    ]
    assert "never had an account" in dispute["data"]["reason"]
    outreach = {
        "account_ref": "E2E-DISPUTE",
        "channel": "sms",
        "template": "payment_reminder",
        "purpose": "collection",
    }
    async with http.post(
        f"{bot_stack.gateway_url}/v1/outreach",
        json=outreach,
        headers={"Idempotency-Key": "e2e-after-dispute"},
    ) as response:
        decision = (await response.json())["decision"]
    assert decision["outcome"] == "block"
    assert "dispute_hold" in [reason["rule"] for reason in decision["reasons"]]


async def test_hardship_hands_the_conversation_to_a_person(
    http: aiohttp.ClientSession, bot_stack: BotStack
) -> None:
    debtor = await new_debtor(http, bot_stack, "E2E-HARDSHIP", "+13125550103")
    await verify_identity(debtor)
    replies = await debtor.say("i lost my job last month and cant pay anything")
    assert any("specialist" in reply for reply in replies), replies
    kinds = [u["kind"] for u in await updates(http, bot_stack, "E2E-HARDSHIP")]
    assert kinds[-2:] == ["hardship", "handoff"]
    assert await debtor.say("hello?") == []  # a person answers now, not the bot


async def test_an_unverified_or_wrong_person_learns_nothing(
    http: aiohttp.ClientSession, bot_stack: BotStack
) -> None:
    debtor = await new_debtor(http, bot_stack, "E2E-PRIVACY", "+13125550104")
    said: list[str] = []
    for text in ("hi", "who is this?", "how much do i owe", "01/01/1990", "what's my balance"):
        said += await debtor.say(text)
    assert said, said
    assert not discloses(said), said
    said = await debtor.say("i dont know any dana, you got the wrong guy")
    assert said, said
    assert not discloses(said), said
    kinds = [u["kind"] for u in await updates(http, bot_stack, "E2E-PRIVACY")]
    assert kinds == ["wrong_party"]
    async with http.get(f"{bot_stack.gateway_url}/v1/accounts/E2E-PRIVACY") as response:
        (sms,) = (await response.json())["contacts"]
    assert sms["valid"] is False


async def test_stop_inside_a_conversation_revokes_consent(
    http: aiohttp.ClientSession, bot_stack: BotStack
) -> None:
    debtor = await new_debtor(http, bot_stack, "E2E-STOP", "+13125550105")
    await verify_identity(debtor)
    (confirmation,) = await debtor.say("STOP")
    assert "START" in confirmation
    async with http.get(f"{bot_stack.gateway_url}/v1/accounts/E2E-STOP") as response:
        (sms,) = (await response.json())["contacts"]
    assert (sms["consent"], sms["consent_source"]) == ("revoked", "keyword")
    assert "opt_out" in [u["kind"] for u in await updates(http, bot_stack, "E2E-STOP")]


async def test_turns_reach_rasa_in_the_order_they_were_sent(
    http: aiohttp.ClientSession, bot_stack: BotStack
) -> None:
    await new_debtor(http, bot_stack, "E2E-ORDER", "+13125550106")
    texts = ["hello", "who is this", "what is this about", "ok", "thanks"]
    conversation = None
    for text in texts:  # no waiting: both workers race for these jobs
        body = {"channel": "sms", "address": "+13125550106", "text": text}
        async with http.post(f"{bot_stack.gateway_url}/v1/messages/inbound", json=body) as response:
            conversation = (await response.json())["conversation_id"]
    url = f"{bot_stack.gateway_url}/v1/conversations/{conversation}"

    async def answered() -> bool:
        async with http.get(url) as response:
            thread = await response.json()
        return all(
            m["status"] == "answered" for m in thread["messages"] if m["direction"] == "inbound"
        )

    deadline = time.monotonic() + 120
    while not await answered():
        assert time.monotonic() < deadline, "the turns were not answered"
        await asyncio.sleep(0.3)
    async with (
        aiohttp.ClientSession() as rasa,
        rasa.get(f"{bot_stack.rasa_url}/conversations/{conversation}/tracker") as response,
    ):
        tracker = await response.json()
    heard = [event["text"] for event in tracker["events"] if event["event"] == "user"]
    assert heard == texts


def test_parley_chat_talks_to_the_assistant(bot_stack: BotStack) -> None:
    async def setup() -> None:
        headers = {"Authorization": f"Bearer {bot_stack.api_token}"}
        async with aiohttp.ClientSession(headers=headers) as session:
            await new_debtor(session, bot_stack, "E2E-CHAT", "+13125550107")

    asyncio.run(setup())
    port = bot_stack.gateway_url.rsplit(":", 1)[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")} | {
        "PARLEY_API_TOKENS": bot_stack.api_token,
        "PARLEY_PORT": port,
    }
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli.main", "chat", "--account", "E2E-CHAT"],
        input=f"hi\n{DOB}\nwhat's my balance\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    replies = [line for line in result.stdout.splitlines() if line.startswith("bot> ")]
    assert any("date of birth" in line for line in replies), result.stdout
    assert any(f"${BALANCE}" in line for line in replies), result.stdout


def test_the_test_stories_pass(bot_model: Path, tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(  # noqa: S603 - the bot venv's rasa
        [
            str(root / ".venv-bot" / "bin" / "rasa"),
            "test",
            "core",
            "--model",
            str(bot_model),
            "--stories",
            str(root / "bot" / "tests" / "test_stories.yml"),
            "--out",
            str(tmp_path),
        ],
        cwd=root,
        env=os.environ | {"RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    failed = (tmp_path / "failed_test_stories.yml").read_text()
    assert "- story:" not in failed, failed


async def test_with_rasa_stopped_messages_wait_and_are_answered_after_it_returns(
    http: aiohttp.ClientSession, bot_stack: BotStack
) -> None:
    debtor = await new_debtor(http, bot_stack, "E2E-DOWN", "+13125550108")
    bot_stack.stop_rasa()
    try:
        body = {"channel": "sms", "address": debtor.phone, "text": "hi"}
        async with http.post(f"{bot_stack.gateway_url}/v1/messages/inbound", json=body) as response:
            sent = await response.json()
        await asyncio.sleep(3)
        url = f"{bot_stack.gateway_url}/v1/conversations/{sent['conversation_id']}"
        async with http.get(url) as response:
            thread = await response.json()
        assert [m["status"] for m in thread["messages"]] == ["pending"]
    finally:
        bot_stack.start_rasa()
    deadline = time.monotonic() + 120
    while True:
        async with http.get(url) as response:
            thread = await response.json()
        replies = [m for m in thread["messages"] if m["direction"] == "outbound"]
        if replies and all(m["status"] == "sent" for m in replies):
            break
        assert time.monotonic() < deadline, thread
        await asyncio.sleep(0.5)
    assert thread["messages"][0]["status"] == "answered"
    assert "date of birth" in replies[0]["body"]


async def _delivered(stack: BotStack, update_id: str) -> Any:
    deadline = time.monotonic() + 60
    while True:
        for request in stack.received:
            if request.json()["id"] == update_id:
                return request
        assert time.monotonic() < deadline, f"update {update_id} was not delivered"
        await asyncio.sleep(0.1)


async def test_the_bot_stack_runs_every_process(bot_stack: BotStack) -> None:
    """Stopping and restarting Rasa is proven above, with the messages that wait for it."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{bot_stack.gateway_url}/readyz") as ready:
            assert ready.status == 200
        # NLU only: a dialogue turn would run actions against the gateway other tests share.
        async with http.post(
            f"{bot_stack.rasa_url}/model/parse", json={"text": "who is this?"}
        ) as parse:
            assert parse.status == 200
            parsed = await parse.json()
    assert parsed["intent"]["name"] == "who_is_this", parsed
