"""Where the gateway's time goes: a summary of py-spy raw (collapsed) stacks.

``bench.intake --profile-dir DIR`` attaches ``py-spy record --format raw --idle --threads`` to
the gateway for each measured phase and prints this summary; it can also be run on a saved file:

    .venv/bin/python -m bench.profile /tmp/prof/postgres-batch.txt

Main-thread samples are attributed to the deepest gateway stage on the stack (JSON decode,
pydantic, policy evaluation, the outreach insert, the audit chain, the Redis enqueue, ...), with
the part of a stage spent inside SQLAlchemy or the database driver shown separately. Samples
whose stack starts inside a SQLAlchemy greenlet cannot be traced back to a stage and are shown as
such. Other threads (aiosqlite runs each SQLite connection on its own thread) are summarised as
busy or idle.
"""

from __future__ import annotations

import functools
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Rule:
    """A stage of the gateway: the frames that belong to it, and its label in the summary."""

    label: str
    function: str  # the frame's qualified function name ends with this
    file: str  # and its file path contains this


# Deepest match on the stack wins, so nested stages (row_hash inside audit.append) stay apart.
RULES = (
    Rule("aiohttp: HTTP parsing, routing, writing", "RequestHandler._handle_request", "aiohttp/"),
    Rule("middlewares (auth, errors, metrics)", "_middleware", "gateway/middleware.py"),
    Rule("prometheus metrics", "", "prometheus_client/"),
    Rule("handler glue", "post_outreach", "gateway/api/outreach.py"),
    Rule("handler glue", "post_outreach_batch", "gateway/api/outreach.py"),
    Rule("handler glue", "accept_and_enqueue", "gateway/outreach/intake.py"),
    Rule("handler glue", "post_evaluate", "gateway/api/policy.py"),
    Rule("BEGIN / COMMIT / pool checkout", "AsyncConnection.start", "sqlalchemy/ext/asyncio/"),
    Rule("JSON decode of the request body", "read_body", "gateway/api/parsing.py"),
    Rule("pydantic validation", "validate", "gateway/api/parsing.py"),
    Rule("pydantic validation", "model_validate", "pydantic/main.py"),
    Rule("request hash (canonical JSON + sha256)", "request_hash", "gateway/outreach/intake.py"),
    Rule("BEGIN / COMMIT / pool checkout", "AsyncEngine.begin", "sqlalchemy/ext/asyncio/"),
    Rule("BEGIN / COMMIT / pool checkout", "__aexit__", "sqlalchemy/ext/asyncio/"),
    Rule("Intake.accept: idempotency lookup + glue", "Intake.accept", "gateway/outreach/intake.py"),
    Rule("load account snapshots", "load_snapshots", "gateway/outreach/snapshots.py"),
    Rule(
        "decide: ids, template context, row dicts", "Intake._decide", "gateway/outreach/intake.py"
    ),
    Rule("policy evaluation", "Intake._evaluate", "gateway/outreach/intake.py"),
    Rule("policy facts -> dict (facts_to_dict)", "facts_to_dict", "policies/facts_json.py"),
    Rule("policy: decide() glue", "decide", "gateway/outreach/decisions.py"),
    Rule("policy: ruleset lookup", "ruleset_for", "gateway/outreach/rulesets.py"),
    Rule("policy: building ContactFacts", "AccountSnapshot.facts", "gateway/outreach/snapshots.py"),
    Rule("policy: the rules (policies.evaluate)", "evaluate", "policies/engine.py"),
    Rule("audit payload (facts_to_dict, ...)", "audit_payload", "gateway/outreach/decisions.py"),
    Rule("template render (jinja2)", "TemplateLibrary.render", "gateway/outreach/rendering.py"),
    Rule("INSERT outreach ... ON CONFLICT", "Intake._insert", "gateway/outreach/intake.py"),
    Rule("INSERT timeline", "Intake._record", "gateway/outreach/intake.py"),
    Rule("audit append: heads upsert/lock, INSERT, UPDATE", "append", "gateway/records/audit.py"),
    Rule("audit: canonical JSON + sha256 chain", "canonical_json", "gateway/records/audit.py"),
    Rule("audit: canonical JSON + sha256 chain", "row_hash", "gateway/records/audit.py"),
    Rule("Redis enqueue (serialize jobs + EVAL)", "enqueue_sends", "gateway/worker/jobs.py"),
    Rule("JSON encode of the response", "json_response", "aiohttp/web_response.py"),
)
SQL_LAYERS = ("sqlalchemy/", "asyncpg/", "aiosqlite/", "greenlet")
IDLE_LEAVES = ("select (selectors.py", "EpollSelector.select (selectors.py")


@functools.cache
def _queue_wait_frame() -> str:
    """The frame of an idle aiosqlite thread: its worker loop blocked on ``tx.get()``."""
    import aiosqlite.core

    lines = Path(aiosqlite.core.__file__).read_text().splitlines()
    number = next((i for i, text in enumerate(lines, 1) if "= tx.get()" in text), 0)
    return f"(aiosqlite/core.py:{number})"


def _frame(frame: str) -> tuple[str, str]:
    function, _, rest = frame.rpartition(" (")
    return function, rest


def _matches(rule: Rule, function: str, file: str) -> bool:
    return function.endswith(rule.function) and rule.file in file


def classify(frames: list[str]) -> str:
    """The stage of one main-thread stack (root first)."""
    if frames and frames[-1].startswith(IDLE_LEAVES):
        return "idle (waiting in epoll)"
    if not any("run_until_complete" in f or "run_forever" in f for f in frames):
        if any(layer in f for f in frames for layer in SQL_LAYERS):
            return "SQLAlchemy/driver inside a greenlet (statement not traceable)"
        return "other"
    label, depth = "event loop (asyncio callbacks, transports)", -1
    for i, frame in enumerate(frames):
        function, file = _frame(frame)
        for rule in RULES:
            if _matches(rule, function, file):
                label, depth = rule.label, i
    below = frames[depth + 1 :] if depth >= 0 else []
    in_sql = any(layer in f for f in below for layer in SQL_LAYERS)
    if depth >= 0 and in_sql and not label.startswith("BEGIN"):
        label += " · in SQLAlchemy/driver"
    return label


def library(frame: str) -> str:
    """Which package the leaf frame belongs to."""
    _, file = _frame(frame)
    path = file.split(":")[0]
    if path.startswith(("gateway/", "policies/", "bench/")):
        return path.split("/")[0] + "/" + path.split("/")[1]
    head = path.split("/")[0]
    return head if "/" in path else path.removesuffix(".py")


def summarise(text: str, top: int = 18) -> str:
    """A markdown summary of a py-spy raw profile (recorded with --idle --threads)."""
    stages: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    threads: dict[str, Counter[str]] = {}
    main_total = 0
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        thread, *frames = stack.split(";")
        if thread.endswith(": MainThread"):
            main_total += n
            stage = classify(frames)
            stages[stage] += n
            if not stage.startswith("idle") and frames:
                leaves[library(frames[-1])] += n
        else:
            state = "idle" if frames and frames[-1].endswith(_queue_wait_frame()) else "busy"
            name = thread.split(": ", 1)[-1].split(" (")[0]
            threads.setdefault(name, Counter())[state] += n
    if not main_total:
        return "(no samples)"
    busy = main_total - stages["idle (waiting in epoll)"]
    out = [
        f"main thread: {main_total:,} samples, busy {busy / main_total:.0%} "
        f"(the event loop is the one core the gateway can use)",
        "",
        "| stage (main thread) | share of all samples | share of busy |",
        "|---|---:|---:|",
    ]
    for stage, n in stages.most_common(top):
        of_busy = "" if stage.startswith("idle") else f"{n / busy:.1%}"
        out.append(f"| {stage} | {n / main_total:.1%} | {of_busy} |")
    out += ["", "| leaf package (busy main thread) | share of busy |", "|---|---:|"]
    for name, n in leaves.most_common(10):
        out.append(f"| {name} | {n / busy:.1%} |")
    if threads:
        busy_other = sum(c["busy"] for c in threads.values())
        all_other = sum(sum(c.values()) for c in threads.values())
        out += [
            "",
            f"other threads: {len(threads)} ({', '.join(sorted(threads)[:3])}...), "
            f"{busy_other / max(all_other, 1):.0%} of their samples inside a call "
            f"(SQLite work or waiting on the database lock), "
            f"≈{busy_other / main_total:.2f} threads busy on average",
        ]
    return "\n".join(out)


def main() -> None:
    """Print the summary of every profile file named on the command line."""
    for name in sys.argv[1:]:
        print(f"## {name}\n\n{summarise(Path(name).read_text())}\n")


if __name__ == "__main__":
    main()
