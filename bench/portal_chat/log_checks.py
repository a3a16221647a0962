"""The processes' logs after a run: their lines counted, their warnings and errors kept."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from pathlib import Path

from bench.portal_chat.results import Results


def read_logs(paths: Sequence[Path], results: Results) -> None:
    """Count the processes' log lines (JSON, one a line), and keep their warnings and errors."""
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            results.log_lines += 1
            with contextlib.suppress(ValueError, AttributeError):
                entry = json.loads(line)
                text = f"{entry.get('logger')}: {entry.get('message')}"
                if entry.get("level") == "WARNING":
                    results.log_warnings.append(text)
                elif entry.get("level") in ("ERROR", "CRITICAL"):
                    results.log_errors.append(text)
