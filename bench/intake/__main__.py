"""``python -m bench.intake``: run the benchmark, print the report, exit 1 if a check failed."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

import aiohttp
from redis.asyncio import Redis

import bench.intake
from bench._server import TOKEN
from bench.cancellable import run_cancellable
from bench.intake.options import Options, parse_args
from bench.intake.phases import run_database
from bench.intake.report import report, to_json
from bench.intake.results import DatabaseRun
from bench.processes import Server


async def run(options: Options) -> int:
    """Every database in turn against one baseline server; 0 if every check passed."""
    started = datetime.now(UTC)
    redis = Redis.from_url(options.redis_url)
    await redis.flushdb()
    connector = aiohttp.TCPConnector(limit=max(options.concurrency, options.batch_concurrency))
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    timeout = aiohttp.ClientTimeout(total=600)
    baseline = Server("baseline")
    runs: list[DatabaseRun] = []
    try:
        async with aiohttp.ClientSession(
            connector=connector, headers=headers, timeout=timeout
        ) as session:
            await baseline.ready(session, "/v1/outreach")
            for db in options.dbs:
                runs.append(await run_database(db, options, session, baseline, redis))
    finally:
        baseline.stop()
        await redis.flushdb()
        await redis.aclose()
    print(report(runs, options, started))
    if options.json:
        options.json.write_text(json.dumps(to_json(runs), indent=2, default=str))
    return 0 if all(r.consistency.ok for r in runs) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: parse ``argv``, run, return the exit status."""
    return run_cancellable(
        run(parse_args(argv, bench.intake.__doc__)),
        "servers stopped, throwaway database dropped, Redis db flushed",
    )


if __name__ == "__main__":
    sys.exit(main())
