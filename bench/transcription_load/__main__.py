"""``python -m bench.transcription_load``: start the stack, measure both phases, print the
report; exit 1 on a problem."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bench.cancellable import run_cancellable
from bench.portal_chat.stack import running_stack
from bench.transcription_load.measure import measure
from bench.transcription_load.options import parse_args, workload
from bench.transcription_load.report import report


async def run(args: argparse.Namespace) -> int:
    """Start the stack, measure, print the report; the exit status."""
    wanted = workload(args)
    async with running_stack(args, args.settings) as stack:
        results = await measure(stack, wanted)
    print(report(results, wanted))
    return 1 if results.problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run, return the exit status (130 after Ctrl-C, 143 after SIGTERM)."""
    return run_cancellable(run(parse_args(argv)), "stopped the stack, dropped the database")


if __name__ == "__main__":
    sys.exit(main())
