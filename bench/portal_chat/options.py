"""The command line of ``python -m bench.portal_chat``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from bench.databases import KINDS, POSTGRES_ADMIN_URL

REDIS_URL = "redis://127.0.0.1:6379/7"  # the tests use 15 and 14, the other benchmarks 12-14


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line; ``--smoke`` replaces the sizes with tiny ones."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.portal_chat",
        description="The portal's web chat: turn latency against Rasa alone, idle sockets.",
    )
    parser.add_argument("--turns", type=int, default=40, help="measured turns on each path")
    parser.add_argument("--warm-up", type=int, default=5, help="turns after each first one")
    parser.add_argument("--conversations", type=int, default=4, help="the turns go round them")
    parser.add_argument("--sockets", type=int, default=500, help="idle chat sockets")
    parser.add_argument("--concurrency", type=int, default=8, help="sign-ins at a time")
    parser.add_argument("--idle-seconds", type=float, default=30.0, help="each CPU window")
    parser.add_argument("--settle-seconds", type=float, default=5.0)
    parser.add_argument("--live-turns", type=int, default=3, help="round trips with all open")
    parser.add_argument("--timeout", type=float, default=60.0, help="for one answer, seconds")
    parser.add_argument(
        "--quiet-wait", type=float, default=30.0, help="seconds to wait for a quiet machine"
    )
    parser.add_argument("--database", choices=KINDS, default="sqlite")
    parser.add_argument("--redis-url", default=REDIS_URL, help=f"flushed; default {REDIS_URL}")
    parser.add_argument("--postgres-url", default=POSTGRES_ADMIN_URL)
    parser.add_argument("--logs", type=Path, help="copy the processes' logs to this directory")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="3 turns, 10 sockets, 2 s at rest: proves it runs (Rasa still loads), times nothing",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.turns, args.warm_up, args.conversations, args.sockets = 3, 1, 2, 10
        args.idle_seconds, args.settle_seconds, args.live_turns, args.quiet_wait = 2.0, 0.5, 1, 0.0
    if min(args.turns, args.conversations, args.sockets, args.concurrency, args.live_turns) < 1:
        parser.error("--turns, --conversations, --sockets, --concurrency, --live-turns: >= 1")
    if args.sockets > 8999 or args.conversations > 1000:
        parser.error("at most 8999 --sockets and 1000 --conversations (the debtors' numbers)")
    return args
