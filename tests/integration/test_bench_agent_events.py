"""``bench.agent_events`` in its smoke mode: two replicas, a worker and Redis of its own, a few
messages and sockets. It proves the benchmark runs, reports every figure with its ratio, that
every event reached its sockets, and that nothing it prints names a debtor's number or text; no
timing is asserted.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from shared import POSTGRES_ADMIN_URL

ROOT = Path(__file__).resolve().parents[2]
sys.path.append(str(ROOT))  # bench/ is not an installed package

from bench.agent_events.debtors import SETUP_TEXT, TEXTS, phone  # noqa: E402

TIMEOUT = 240
NUMBER = r"\d+(?:\.\d+)?"
MEASUREMENTS = (
    "Redis publish → subscriber (baseline)",
    "publish on parley:agent → A's socket",
    "Twilio webhook: B answers",
    "Twilio webhook on B → event on A (worker routes)",
    "core API inbound: B answers",
    "core API inbound on B → event on A (routed at once)",
)


def rows(report: str) -> dict[str, list[str]]:
    """Markdown table rows by their first cell (separator rows left out)."""
    found = {}
    for line in report.splitlines():
        if line.startswith("|") and not line.startswith("|--"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            found[cells[0]] = cells[1:]
    return found


def figure(cell: str) -> float:
    """A number of the report ("12.34", "3.1x"); fails on anything else."""
    assert re.fullmatch(NUMBER + "x?", cell), cell
    return float(cell.removesuffix("x"))


@pytest.mark.timeout(TIMEOUT + 30)
@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_smoke_reports_every_latency_the_idle_sockets_and_no_debtor_data(database: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            *(sys.executable, "-m", "bench.agent_events", "--smoke"),
            *("--database", database, "--postgres-url", POSTGRES_ADMIN_URL),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr[-4000:]}"
    report = done.stdout
    table = rows(report)

    for name in MEASUREMENTS:
        n, median, p99, slowest, lost, errors, median_ratio, p99_ratio = table[name]
        assert (int(n), int(lost), int(errors)) == (5, 0, 0), name
        assert 0 < figure(median) <= figure(p99) <= figure(slowest), name
        assert figure(median_ratio) > 0, name
        assert figure(p99_ratio) > 0, name
    assert table["Redis publish → subscriber (baseline)"][6:] == ["1.0x", "1.0x"]

    assert table["before"][0] == "1"
    assert table["after"][0] == "4"  # the 3 idle sockets more
    for row in ("before", "after"):
        assert figure(table[row][1]) > 0  # RSS MB
        assert figure(table[row][2]) >= 0  # CPU %
    assert "Sockets still open after the idle window and the broadcasts: 3 of 3." in report
    assert "2 of 2 reached all 4 sockets" in report
    assert re.search(r"0 errors, 0 with a phone number or message body", report)
    assert re.search(rf"\*\*Aim .*: (met|NOT met)\*\* — p99 {NUMBER} ms over 5 messages", report)
    assert report.rstrip().endswith("Result: ok")

    printed = done.stdout + done.stderr
    for i in range(3):  # the smoke mode's conversations
        assert phone(i).removeprefix("+1") not in printed
    for text in (*TEXTS, SETUP_TEXT):
        assert text not in printed
