"""The bot-turn benchmark's smoke run, against the session's bot stack (a second Rasa would cost
a minute): it still measures both paths and reports its ratio. No timing is asserted."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from stack import BotStack

ROOT = Path(__file__).resolve().parents[2]
sys.path.append(str(ROOT))  # bench/ is not an installed package

from bench import bot_turns  # noqa: E402

NUMBER = r"[\d,]+(?:\.\d+)?"


async def test_bot_turns_measures_turns_on_a_running_stack(
    bot_stack: BotStack, capsys: pytest.CaptureFixture[str]
) -> None:
    # Accounts and numbers of our own: the stack is shared with the other end-to-end tests.
    workload = bot_turns.Workload(
        turns=2,
        load=4,
        conversations=2,
        warm_up_turns=1,
        account_prefix="SMOKE-",
        phone_prefix="+13125559",
    )

    results = await bot_turns.measure(bot_stack, workload)

    assert results.direct.n == results.gateway.n == 2
    for latency in (results.direct, results.gateway):
        assert 0 < latency.median <= latency.p95 < 60_000, latency
    assert set(results.stages) == {
        "intake (POST, stored)",
        "queue + turn (incl. Rasa)",
        "reply: policy + provider",
    }
    assert results.throughput_ratio > 0
    out = capsys.readouterr().out
    assert re.search(rf"gateway adds: median -?{NUMBER} ms", out), out
    assert re.search(rf"ratio gateway/direct:\s+{NUMBER}\n", out), out
