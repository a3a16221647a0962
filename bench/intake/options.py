"""The command line of ``python -m bench.intake``, and the run's options it gives."""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.databases import KINDS, REDIS_URL, SMOKE_REDIS_URL, add_database_options


@dataclass(frozen=True, slots=True)
class Options:
    """What to run: sizes, concurrency, where the servers keep their state, what to report."""

    dbs: list[str]
    singles: int
    concurrency: int
    batch_items: int
    batch_size: int
    batch_concurrency: int
    evaluations: int
    accounts: int
    history: bool
    import_concurrency: int
    baseline_seconds: float
    seed: int
    verify_audit: bool
    py_spy: str | None
    profile_dir: Path | None
    quiet_wait: float
    idle_sample_seconds: float  # how long the quiet-machine check measures the load
    json: Path | None
    redis_url: str
    postgres_url: str
    smoke: bool


def _parser(description: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.intake",
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--db",
        action="append",
        choices=KINDS,
        help="database to run against (repeatable; default both)",
    )
    parser.add_argument("--singles", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--batch-items", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1_000)
    parser.add_argument("--batch-concurrency", type=int, default=2)
    parser.add_argument(
        "--evaluations",
        type=int,
        default=10_000,
        help="POST /v1/policy/evaluate requests (at --concurrency; default 10,000)",
    )
    parser.add_argument(
        "--no-history",
        dest="history",
        action="store_false",
        help="do not import 30 days of contact history per account before the phases",
    )
    parser.add_argument(
        "--import-concurrency",
        type=int,
        default=8,
        help="contact-history import requests in flight (default 8)",
    )
    parser.add_argument("--accounts", type=int, default=1_000)
    parser.add_argument(
        "--baseline-seconds",
        type=float,
        default=5.0,
        help="repeat the baseline's requests until it has run this long (default 5)",
    )
    parser.add_argument("--seed", type=int, default=20240601)
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument(
        "--quick",
        action="store_true",
        help="1,000 singles, 10,000 batch items, 1,000 evaluations, 200 accounts",
    )
    sizes.add_argument(
        "--smoke",
        action="store_true",
        help="a few seconds: 40 singles, 60 batch items in batches of 20, 40 evaluations, "
        "20 accounts, no waiting for a quiet machine; proves the benchmark runs, times nothing "
        f"(Redis {SMOKE_REDIS_URL} unless --redis-url)",
    )
    parser.add_argument("--no-verify-audit", dest="verify_audit", action="store_false")
    parser.add_argument(
        "--py-spy",
        default=shutil.which("py-spy"),
        help="py-spy binary; with --profile-dir, profiles each gateway phase",
    )
    parser.add_argument("--profile-dir", type=Path)
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120,
        help="before each phase, wait up to this many seconds for other work on the machine "
        "to drop below 0.3 cores (0: do not wait)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    add_database_options(parser)
    return parser


def parse_args(argv: Sequence[str] | None = None, description: str | None = None) -> Options:
    """The options of the command line ``argv`` (default: sys.argv)."""
    args = _parser(description).parse_args(argv)
    if args.quick:
        args.singles, args.batch_items, args.evaluations, args.accounts = 1_000, 10_000, 1_000, 200
    idle_sample_seconds = 1.0
    if args.smoke:
        args.singles, args.batch_items, args.batch_size = 40, 60, 20
        args.evaluations, args.accounts = 40, 20
        args.baseline_seconds, args.quiet_wait, idle_sample_seconds = 0.2, 0.0, 0.1
    return Options(
        dbs=args.db or list(KINDS),
        singles=args.singles,
        concurrency=args.concurrency,
        batch_items=args.batch_items,
        batch_size=args.batch_size,
        batch_concurrency=args.batch_concurrency,
        evaluations=args.evaluations,
        accounts=args.accounts,
        history=args.history,
        import_concurrency=args.import_concurrency,
        baseline_seconds=args.baseline_seconds,
        seed=args.seed,
        verify_audit=args.verify_audit,
        py_spy=args.py_spy,
        profile_dir=args.profile_dir,
        quiet_wait=args.quiet_wait,
        idle_sample_seconds=idle_sample_seconds,
        json=args.json,
        redis_url=args.redis_url or (SMOKE_REDIS_URL if args.smoke else REDIS_URL),
        postgres_url=args.postgres_url,
        smoke=args.smoke,
    )
