"""The assistant's processes end to end (stack.py): ``parley chat`` against the stack, the
bot's test stories against the trained model, messages that wait while Rasa is stopped and are
answered after it returns, and every process answering."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
from assistant_e2e_helpers import (
    BALANCE,
    DOB,
    bot_stack_env,  # noqa: F401 - fixture: the stack's settings
    http_session,  # noqa: F401 - fixture `http`
    new_debtor,
)
from stack import BotStack


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
