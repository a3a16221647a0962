"""The command line of ``python -m bench.transcription_load``, and the workload it describes."""

from __future__ import annotations

import argparse
import os
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.databases import KINDS, POSTGRES_ADMIN_URL

REDIS_ENV = "PARLEY_BENCH_REDIS_URL"
REDIS_URL = "redis://127.0.0.1:6379/12"
# The tests use 15 and 13, their stack 14 (bench.bot_turns 13 too): the stack flushes its db.
FORBIDDEN_REDIS_DBS = frozenset({"13", "14", "15"})


@dataclass(frozen=True)
class Workload:
    """How much to measure, and whose accounts: refs and numbers nobody else on the stack uses."""

    turns: int  # bot turns in each phase
    rate: float  # bot turns started per second, in both phases
    recordings: int  # voicemails posted at the start of the load phase
    conversations: int = 20  # each phase's turns go round its own conversations
    warm_up_turns: int = 1  # per conversation, after the one that opens it
    turn_timeout: float = 60.0  # seconds for one answer before the turn counts as lost
    transcription_timeout: float = 1800.0  # seconds for every recording to be transcribed
    post_concurrency: int = 8
    quiet_wait: float = 30.0  # seconds to wait for a quiet machine before each phase
    account_prefix: str = "TLOAD-"
    phone_prefix: str = "+1646555"  # E.164: the account's index fills the remaining digits

    def phone(self, i: int) -> str:
        """The SMS number of account ``i``."""
        return f"{self.phone_prefix}{i:0{12 - len(self.phone_prefix)}d}"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line; ``--quick`` replaces the sizes with small ones."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.transcription_load",
        description="Bot-turn latency while voicemails are transcribed, against the same turns "
        "with nothing queued; transcription throughput and the workers' memory.",
    )
    parser.add_argument("--turns", type=int, default=200, help="bot turns in each phase")
    parser.add_argument("--rate", type=float, default=2.0, help="bot turns started per second")
    parser.add_argument("--recordings", type=int, default=100, help="voicemails, 5-15 s each")
    parser.add_argument("--conversations", type=int, default=20, help="per phase")
    parser.add_argument("--timeout", type=float, default=60.0, help="for one answer, seconds")
    parser.add_argument(
        "--transcription-timeout", type=float, default=1800.0, help="for all recordings, seconds"
    )
    parser.add_argument(
        "--quiet-wait", type=float, default=30.0, help="seconds to wait for a quiet machine"
    )
    parser.add_argument("--quick", action="store_true", help="40 turns, 20 recordings")
    parser.add_argument("--database", choices=KINDS, default="sqlite")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get(REDIS_ENV) or REDIS_URL,
        help=f"flushed before and after; default ${REDIS_ENV} or {REDIS_URL}",
    )
    parser.add_argument("--postgres-url", default=POSTGRES_ADMIN_URL)
    parser.add_argument("--logs", type=Path, help="copy the processes' logs to this directory")
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="PARLEY_NAME=VALUE",
        help="a setting for the stack's processes (e.g. PARLEY_TRANSCRIPTION_THREADS=1)",
    )
    args = parser.parse_args(argv)
    pairs = [item.partition("=") for item in args.setting]
    if any(not name.startswith("PARLEY_") or not sep for name, sep, _ in pairs):
        parser.error("--setting takes PARLEY_NAME=VALUE")
    args.settings = {name: value for name, _, value in pairs}
    if args.quick:
        args.turns, args.recordings = min(args.turns, 40), min(args.recordings, 20)
    if min(args.turns, args.recordings, args.conversations) < 1 or args.rate <= 0:
        parser.error("--turns, --recordings, --conversations: >= 1; --rate: > 0")
    if 2 * args.conversations + args.recordings + 1 > 9999:
        parser.error(
            "at most 9999 accounts: both phases' conversations, the recordings' and a "
            "warm-up (the debtors' numbers)"
        )
    if urllib.parse.urlsplit(args.redis_url).path.strip("/") in FORBIDDEN_REDIS_DBS:
        parser.error("Redis dbs 13-15 belong to the tests and bench.bot_turns: the stack flushes")
    return args


def workload(args: argparse.Namespace) -> Workload:
    """The workload the command line asks for."""
    return Workload(
        turns=args.turns,
        rate=args.rate,
        recordings=args.recordings,
        conversations=args.conversations,
        turn_timeout=args.timeout,
        transcription_timeout=args.transcription_timeout,
        quiet_wait=args.quiet_wait,
    )
