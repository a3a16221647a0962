"""Progress lines on stderr, so that a benchmark's report on stdout stays clean."""

from __future__ import annotations

import sys


def log(message: str) -> None:
    """Print one progress line on stderr, at once (the report follows on stdout)."""
    print(message, file=sys.stderr, flush=True)
