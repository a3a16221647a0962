"""``python -m bench.portal_chat``: start the stack, measure both parts, print the report, exit
1 on a problem."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import aiohttp

from bench.cancellable import run_cancellable
from bench.portal_chat.debtors import Portal
from bench.portal_chat.log_checks import read_logs
from bench.portal_chat.measure import idle, latency
from bench.portal_chat.options import parse_args
from bench.portal_chat.report import report
from bench.portal_chat.results import Results
from bench.portal_chat.stack import gateway_pid, running_stack
from bench.portal_chat.stages import answered_at, stages
from bench.turn_probe import TurnProbe

if TYPE_CHECKING:  # tests/ is on the path once bench.portal_chat.stack is imported
    from stack import BotStack


async def measure(stack: BotStack, args: argparse.Namespace) -> Results:
    """Both parts on a running stack: turn latency, then the idle sockets."""
    results = Results(args.database)
    pid = gateway_pid(stack.gateway_url)
    portal = Portal(stack.gateway_url, stack.api_token, args.concurrency)
    # No connection limit (the default 100 would queue socket 101), no cookie jar.
    sockets_http = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), cookie_jar=aiohttp.DummyCookieJar()
    )
    probe = TurnProbe(
        sockets_http, stack.gateway_url, stack.rasa_url, stack.database_url, stack.api_token
    )
    try:
        await latency(args, stack, portal, sockets_http, probe, results)
        await idle(args, stack, portal, sockets_http, pid, results)
        answered = await answered_at(probe, results.answered)
        results.stages = stages(results.answered, stack.log_dir, answered)
    finally:
        await probe.close()
        await sockets_http.close()
        await portal.close()
        read_logs(sorted(stack.log_dir.glob("[gw]*.log")), results)
    return results


async def run(args: argparse.Namespace) -> int:
    """Start the stack, measure both parts, print the report; the exit status."""
    async with running_stack(args) as stack:
        results = await measure(stack, args)
    print(report(results, args))
    return 1 if results.problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run, return the exit status (130 after Ctrl-C, 143 after SIGTERM)."""
    return run_cancellable(run(parse_args(argv)), "stopped the stack, dropped the database")


if __name__ == "__main__":
    sys.exit(main())
