"""The command line of ``python -m bench.sendgrid_events``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from bench.databases import KINDS, REDIS_URL, SMOKE_REDIS_URL, add_database_options


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line; ``--smoke`` replaces the sizes with tiny ones."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.sendgrid_events",
        description="SendGrid's Event Webhook at fixed batch rates, against a bare handler.",
    )
    parser.add_argument("--databases", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument(
        "--rates", nargs="+", type=int, default=[2, 5, 10, 25, 50], help="batches/s"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="per rate and server")
    parser.add_argument("--batch-size", type=int, default=100, help="events per batch")
    parser.add_argument(
        "--duplicates", type=float, default=0.1, help="share of a batch repeating earlier events"
    )
    parser.add_argument(
        "--repeat-lag",
        type=int,
        default=20,
        help="half the repeats are of events posted this many batches before (1: the batch "
        "just before, often still being applied); the other half of the batch's own",
    )
    parser.add_argument(
        "--emails-per-account",
        type=int,
        default=4,
        help="sent emails per debtor, spread over the run (fewer accounts to register; many "
        "per account puts concurrent batches on the same accounts' audit chains)",
    )
    parser.add_argument("--warm-up", type=int, default=50, help="batches per server first")
    parser.add_argument("--quiet-wait", type=float, default=10.0)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a few seconds: batches of 20 events, 3 warm-up batches, 10 batches/s for 0.5 s, "
        "no waiting for a quiet machine; proves it runs, times nothing (Redis "
        f"{SMOKE_REDIS_URL} unless --redis-url)",
    )
    add_database_options(parser)
    args = parser.parse_args(argv)
    args.idle_sample_seconds = 1.0  # how long the quiet-machine check measures the load
    if args.smoke:
        args.batch_size, args.warm_up = 20, 3
        args.rates, args.seconds = [10], 0.5
        args.quiet_wait, args.idle_sample_seconds = 0.0, 0.1
    if (
        min(args.emails_per_account, args.batch_size, *args.rates) < 1
        or not 0 <= args.duplicates < 1
    ):
        parser.error("sizes and rates must be at least 1, --duplicates in [0, 1)")
    args.redis_url = args.redis_url or (SMOKE_REDIS_URL if args.smoke else REDIS_URL)
    return args
