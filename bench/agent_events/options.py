"""The command line of ``python -m bench.agent_events``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from bench.databases import KINDS, POSTGRES_ADMIN_URL


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line; ``--smoke`` replaces the sizes with tiny ones."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.agent_events",
        description="Agent events across two gateway replicas, and idle agent sockets.",
    )
    parser.add_argument("--messages", type=int, default=500, help="measured rounds")
    parser.add_argument("--sockets", type=int, default=200, help="idle agent sockets on A")
    parser.add_argument("--database", choices=KINDS, default="sqlite")
    parser.add_argument("--conversations", type=int, default=20, help="texts go round them")
    parser.add_argument("--agents", type=int, default=5, help="sessions the idle sockets share")
    parser.add_argument("--warm-up", type=int, default=20, help="rounds before measuring")
    parser.add_argument("--idle-seconds", type=float, default=30.0, help="each CPU sample")
    parser.add_argument("--settle-seconds", type=float, default=3.0)
    parser.add_argument("--fanout", type=int, default=10, help="broadcasts to every socket")
    parser.add_argument(
        "--quiet-wait", type=float, default=60.0, help="seconds to wait for a quiet machine"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="for one event, seconds")
    parser.add_argument(
        "--log-level", choices=["DEBUG", "INFO", "WARNING"], default="INFO", help="of the children"
    )
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_ADMIN_URL,
        help="where the throwaway PostgreSQL database is created and dropped",
    )
    parser.add_argument("--logs", type=Path, help="copy the processes' logs to this directory")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="seconds: 5 rounds, 3 sockets, 1 s at rest; proves it runs, times nothing",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.messages, args.sockets, args.conversations, args.agents = 5, 3, 3, 2
        args.warm_up, args.idle_seconds, args.settle_seconds, args.fanout = 2, 1.0, 0.5, 2
        args.quiet_wait = 0.0
    if min(args.messages, args.sockets, args.conversations, args.agents, args.warm_up) < 1:
        parser.error("--messages, --sockets, --conversations, --agents and --warm-up must be >= 1")
    return args
