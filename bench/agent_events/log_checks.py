"""The checks on the processes' logs after a run: warnings, errors, and debtors' data."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bench.agent_events.debtors import debtor_data, redact
from bench.agent_events.results import Run
from bench.agent_events.stack import Stack


def scan_logs(stack: Stack, run: Run, numbers: Sequence[str]) -> None:
    """Count warnings and errors, and lines with a debtor's number or a message body."""
    private = debtor_data(numbers)
    for line in stack.log_lines():
        run.log_lines += 1
        if any(s in line for s in private):
            run.log_leaks += 1
        try:
            level = json.loads(line).get("level")
        except (ValueError, AttributeError):
            level = None
        if level == "WARNING":
            run.log_warnings += 1
        elif level in ("ERROR", "CRITICAL") or "Traceback" in line:
            run.log_errors.append(redact(line[:300]))
