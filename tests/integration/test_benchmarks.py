"""Every benchmark's smoke mode: tiny sizes, the same code paths, seconds each.

They prove that each benchmark still runs and still reports its figures and its ratio against
the baseline, and that its checks after the run pass; no timing is asserted. The intake and
Twilio benchmarks run as the command line runs them (a subprocess with its own servers on free
ports of 127.0.0.1), on this session's Redis db (tests run one at a time and each flushes it
first; concurrent sessions are given different dbs) and PostgreSQL server. The bot-turn
measurement runs against the session's ``bot_stack`` (test_bench_bot_turns_e2e.py).
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from shared import POSTGRES_ADMIN_URL

ROOT = Path(__file__).resolve().parents[2]
sys.path.append(str(ROOT))  # bench/ is not an installed package

from bench import policy_engine, profile  # noqa: E402

SMOKE_TIMEOUT = 240  # seconds for one subprocess run (a few seconds on an idle machine)
DATABASES = ("sqlite", "postgres")
NUMBER = r"[\d,]+(?:\.\d+)?"


def run_smoke(module: str, *options: str) -> str:
    """``python -m <module> --smoke <options>``; its stdout, once it exited 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", module, "--smoke", *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SMOKE_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr[-4000:]}"
    return done.stdout


def table_rows(report: str) -> list[list[str]]:
    """The cells of every Markdown table row of ``report`` (separator rows left out)."""
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in report.splitlines()
        if line.startswith("|") and not line.startswith("|--") and not line.startswith("|:")
    ]


def number(cell: str) -> float:
    """A figure of a report cell ("1,234.5", "0.061", "2.3x"); fails on anything else."""
    assert re.fullmatch(NUMBER + "x?", cell), cell
    value = float(cell.removesuffix("x").replace(",", ""))
    assert math.isfinite(value)
    return value


@pytest.mark.timeout(SMOKE_TIMEOUT + 30)
def test_intake_smoke_reports_every_phase_with_its_ratio_and_passes_its_checks(
    redis_url: str, tmp_path: Path
) -> None:
    figures = tmp_path / "intake.json"
    report = run_smoke(
        "bench.intake",
        *("--redis-url", redis_url, "--postgres-url", POSTGRES_ADMIN_URL, "--json", str(figures)),
    )

    throughput = report.split("CPU seconds used", 1)[0]  # the first table
    gateway = {(row[0], row[1]): row for row in table_rows(throughput) if row[2] == "gateway"}
    for db in DATABASES:
        for phase in ("single", "batch", "evaluate"):
            row = gateway[db, phase]
            assert number(row[7]) > 0, row  # the ratio gateway/baseline
            assert number(row[3]) > 0, row  # requests/s
            assert number(row[4]) > 0, row  # items/s
            assert row[8] == "0", row  # errors
        assert f"{db}: sanity ok" in report
    assert "FAILED" not in report
    for run in json.loads(figures.read_text()):
        checks = run["sanity"]["checks"]
        assert checks["audit chains verify"], checks
        assert checks["evaluate phase changed no rows and queued no jobs"], checks
        assert all(checks.values()), checks
        assert run["sanity"]["expected"] == run["sanity"]["rows"]["outreach"] > 0


@pytest.mark.timeout(SMOKE_TIMEOUT + 30)
def test_twilio_inbound_smoke_reports_the_p99_ratio_and_stores_every_answered_webhook(
    redis_url: str,
) -> None:
    report = run_smoke(
        "bench.twilio_inbound", "--redis-url", redis_url, "--postgres-url", POSTGRES_ADMIN_URL
    )

    for db in DATABASES:
        section = report.split(f"### {db}", 1)[1].split("###", 1)[0]
        (row,) = [r for r in table_rows(section) if r[1] == "gateway"]
        assert row[0] == "20", row  # the smoke rate
        assert number(row[2]) > 0, row  # achieved/s
        assert row[6] == "0", row  # errors
        assert number(row[7]) > 0, row  # p99 ratio against the baseline
        assert re.search(
            rf"{db}: consistency ok — ({NUMBER}) webhooks answered .*, \1 inbound messages", section
        ), section


def test_policy_engine_smoke_reports_both_ratios_on_every_kind_of_outcome(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert policy_engine.main(["--smoke"]) == 0
    out = capsys.readouterr().out

    ratios = re.findall(rf"vs baseline plumbing: ({NUMBER})x the baseline rate", out)
    assert len(ratios) == 2, out
    assert all(number(ratio) > 0 for ratio in ratios)
    outcomes = re.search(r"outcomes: (\{.*\})", out)
    assert outcomes is not None, out
    for outcome in ("allow", "defer", "block"):
        assert f"'{outcome}'" in outcomes[1], out


def test_profile_summary_attributes_samples_to_the_deepest_stage() -> None:
    loop = "<module> (bench/_server.py:1);run_forever (asyncio/base_events.py:607)"
    handler = (
        "RequestHandler._handle_request (aiohttp/web_protocol.py:452);"
        "post_evaluate (gateway/api/policy.py:25)"
    )
    idle_thread = f"run (threading.py:975);_connection_worker_thread {profile._queue_wait_frame()}"
    raw = "\n".join(
        [
            f"thread (0x1): MainThread;{loop};{handler};evaluate (policies/engine.py:30) 30",
            f"thread (0x1): MainThread;{loop};select (selectors.py:468) 50",
            f"thread (0x1): MainThread;{loop};{handler};"
            "load_snapshots (gateway/outreach/snapshots.py:120);"
            "execute (sqlalchemy/engine/base.py:1400) 20",
            f"thread (0x2): Thread-1 (_connection_worker_thread);{idle_thread} 10",
            "thread (0x3): Thread-2 (_connection_worker_thread);execute (aiosqlite/core.py:0) 10",
            "not a sample line",
        ]
    )

    summary = profile.summarise(raw)

    assert summary.startswith("main thread: 100 samples, busy 50%")
    assert "| policy: the rules (policies.evaluate) | 30.0% | 60.0% |" in summary
    assert "| load account snapshots · in SQLAlchemy/driver | 20.0% | 40.0% |" in summary
    assert "| idle (waiting in epoll) | 50.0% |  |" in summary
    assert "| policies/engine.py | 60.0% |" in summary
    assert "| sqlalchemy | 40.0% |" in summary
    assert "other threads: 2 (Thread-1, Thread-2...), 50% of their samples inside a call" in summary


@pytest.mark.parametrize(
    "rule",
    [r for r in profile.RULES if r.file.startswith(("gateway/", "policies/"))],
    ids=lambda r: f"{r.file}:{r.function}",
)
def test_each_profile_stage_names_a_function_the_code_still_has(rule: profile.Rule) -> None:
    # A stage whose function moved would silently stop matching and its samples would be
    # counted under the stage around it.
    path = ROOT / rule.file
    assert path.is_file(), f"bench/profile.py: {rule.file} no longer exists"
    name = rule.function.rsplit(".", 1)[-1]
    assert re.search(rf"def \w*{re.escape(name)}\(", path.read_text()), (
        f"bench/profile.py: no function ending in {name!r} in {rule.file}"
    )


@pytest.mark.timeout(SMOKE_TIMEOUT + 30)
def test_sendgrid_send_smoke_reports_every_way_with_its_ratios_and_every_mail_arrived() -> None:
    report = run_smoke("bench.sendgrid_send")

    rows = {row[0]: row for row in table_rows(report) if row[0] != "way"}
    assert set(rows) == {"aiohttp", "sdk-threads", "sdk-on-loop"}, report
    for way, row in rows.items():
        assert number(row[2]) > 0, row  # sends answered 202
        assert row[3] == "0", row  # errors
        assert number(row[4]) > 0, row  # sends/s
        for cell in row[5:12]:  # latencies, loop lags, CPU
            number(cell)
        assert number(row[12]) > 0, row  # the aiohttp way's sends/s over this way's
        assert row[2] == rows["aiohttp"][2], (way, row)  # every way sends the same count
    for way in ("sdk-threads", "sdk-on-loop"):
        assert re.search(rf"^aiohttp / {way}: {NUMBER}x the sends per second$", report, re.M), (
            report
        )
    match = re.search(
        rf"emulator: ok — ({NUMBER}) sends answered 202 .*, \1 mails accepted", report
    )
    assert match is not None, report
    # warm-up included: at least the measured sends of the three ways
    assert number(match[1]) >= 3 * number(rows["aiohttp"][2]), report


@pytest.mark.timeout(SMOKE_TIMEOUT + 30)
def test_sendgrid_events_smoke_reports_the_p99_ratio_and_applies_every_event_once(
    redis_url: str,
) -> None:
    report = run_smoke(
        "bench.sendgrid_events", "--redis-url", redis_url, "--postgres-url", POSTGRES_ADMIN_URL
    )

    for db in DATABASES:
        section = report.split(f"### {db}", 1)[1].split("###", 1)[0]
        (row,) = [r for r in table_rows(section) if r[1] == "gateway"]
        assert row[0] == "10", row  # the smoke rate
        assert number(row[2]) > 0, row  # achieved batches/s
        assert row[6] == "0", row  # errors
        assert number(row[7]) > 0, row  # p99 ratio against the bare handler
        (counted,) = re.findall(
            rf"^{db}: {NUMBER} sent emails to {NUMBER} accounts set up; (.*)\.$", section, re.M
        )
        facts = {
            name: number(value)
            for value, name in (fact.split(" ", 1) for fact in counted.split(", "))
        }
        assert facts["batches answered"] == facts["batches sent"] > 0, section
        assert facts["events stored"] == facts["distinct events"] > 0, section
        assert facts["events posted"] > facts["distinct events"], section  # repeats were sent
        assert facts["emails delivered"] == facts["delivered events"] > 0, section
        assert facts["outreach delivered"] == facts["emails delivered"], section
        checks = re.findall(rf"^{db}: (ok|FAILED) — ", section, re.M)
        assert checks == ["ok"] * 3, section
    assert re.search(rf"^p99 at 10 batches/s: sqlite {NUMBER} ms .*; postgres", report, re.M)
