"""The portal chat benchmark's smoke run, against the session's bot stack (a second Rasa would
cost a minute): debtors sign in through their links, chat turns are answered on both paths, and
the idle sockets stay open. No timing is asserted."""

from __future__ import annotations

import sys
from pathlib import Path

from stack import BotStack

ROOT = Path(__file__).resolve().parents[2]
sys.path.append(str(ROOT))  # bench/ is not an installed package

from bench.portal_chat.__main__ import measure  # noqa: E402
from bench.portal_chat.options import parse_args  # noqa: E402


async def test_the_portal_chat_bench_measures_on_a_running_stack(bot_stack: BotStack) -> None:
    args = parse_args(["--smoke"])

    results = await measure(bot_stack, args)

    assert len(results.direct) == len(results.chat) == args.turns
    assert results.lost == []
    assert all(0 < ms < 60_000 for ms in results.chat), results.chat
    assert results.signed_in == results.opened == args.sockets
    assert results.open_at_end == args.sockets
    assert results.failures == []
    assert results.rss_after_kb > 0
