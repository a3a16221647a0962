"""``python -m bench.sendgrid_events``: run every database, print the report, exit 1 when a
check failed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bench.cancellable import run_cancellable
from bench.sendgrid_events.measure import run_database
from bench.sendgrid_events.options import parse_args
from bench.sendgrid_events.report import report
from bench.sendgrid_events.results import DatabaseRun


async def run_bench(args: argparse.Namespace) -> int:
    """Every database in turn; 0 if every check passed."""
    runs: list[DatabaseRun] = []
    for kind in args.databases:
        runs.append(await run_database(kind, args))
    print(report(runs, args))
    return 0 if all(run.consistent for run in runs) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: parse ``argv``, run, return the exit status."""
    return run_cancellable(
        run_bench(parse_args(argv)), "servers stopped, throwaway database dropped, Redis flushed"
    )


if __name__ == "__main__":
    sys.exit(main())
