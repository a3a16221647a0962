"""``python -m bench.agent_events``: run the benchmark, print the report, exit 1 on a problem."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.agent_events.debtors import phone, redact
from bench.agent_events.log_checks import scan_logs
from bench.agent_events.measure import measure
from bench.agent_events.options import parse_args
from bench.agent_events.report import report
from bench.agent_events.results import Run
from bench.agent_events.stack import Stack
from bench.cancellable import run_cancellable
from bench.databases import database
from bench.progress import log

LOG_LINES_ON_FAILURE = 15


async def run_bench(args: argparse.Namespace) -> int:
    """One run; 0 when nothing was lost, failed or leaked."""
    run = Run("SQLite" if args.database == "sqlite" else "PostgreSQL")
    async with database(args.database, args.postgres_url) as url:
        with tempfile.TemporaryDirectory(prefix="parley-bench-agents-") as directory:
            stack = Stack(url, Path(directory), args.log_level)
            try:
                await measure(args, stack, run)
            except BaseException:
                stack.close()
                for line in stack.log_lines()[-LOG_LINES_ON_FAILURE:]:
                    log("  log: " + redact(line[:400]))
                raise
            stack.close()
            scan_logs(stack, run, [phone(i) for i in range(args.conversations)])
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                for child in stack.children:
                    shutil.copy(stack.log_path(child.name), args.logs)
    print(report(run, args))
    return 1 if run.problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: parse ``argv``, run, return the exit status."""
    return run_cancellable(
        run_bench(parse_args(argv)), "processes stopped, throwaway database dropped"
    )


if __name__ == "__main__":
    sys.exit(main())
