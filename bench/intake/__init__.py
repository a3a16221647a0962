"""Outreach intake and the policy dry run over HTTP, against a bare aiohttp handler.

    .venv/bin/python -m bench.intake    # 10,000 singles, 100,000 batch items, 10,000 evaluations
    .venv/bin/python -m bench.intake --quick           # a shorter run of a few minutes
    .venv/bin/python -m bench.intake --smoke           # seconds: proves it runs, times nothing
    .venv/bin/python -m bench.intake --profile-dir /tmp/prof --py-spy /tmp/pyspy/bin/py-spy

For each database (SQLite file, throwaway PostgreSQL database) the gateway runs in its own
process (``python -m bench._server gateway``, built by ``init_app`` like ``parley serve``), the
baseline in another (``python -m bench._server baseline``: same routes, ``await request.json()``,
a small JSON answer), and this process is the load generator: one aiohttp ClientSession with a
TCPConnector(limit=concurrency). Before the phases every account gets ~40 contact events over
the last 30 days (POST /v1/accounts/{ref}/contact-events). Bodies are built before the clock
starts. Each phase (single, batch, evaluate) runs the baseline first and then the gateway with
the same client and the same kind of bodies (fresh keys).

Printed: requests/s, items/s, p50/p99 latency, the gateway/baseline ratio, CPU seconds used per
process group during each phase, and a sanity check (outreach rows == accepted requests, a
timeline row and an audit row per outreach, queued jobs == non-blocked outreach, every imported
event stored, the evaluate phase changed no row counts and queued no job, audit chains verify);
the exit status is 1 if a check fails. Progress goes to stderr. Nothing here asserts a timing;
this is not a test.

Modules: ``options`` (the command line), ``calls`` (the requests), ``answers`` (judging the
answers), ``load`` (the load generator), ``phases`` (one database's run), ``profiler`` (py-spy),
``consistency`` (the checks after a run), ``results`` and ``report`` (the output); the portfolio,
databases, server processes and CPU accounting are shared with the other benchmarks in ``bench``.
"""
