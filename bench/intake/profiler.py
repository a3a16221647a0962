"""py-spy attached to the gateway for one phase; ``bench.profile`` summarises what it recorded."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from bench.profile import summarise

SAMPLES_PER_SECOND = 200
ATTACH_SECONDS = 0.5


class Profiler:
    """py-spy raw collapsed stacks of one process (idle frames and every thread included).

    Does nothing unless both the py-spy binary and a directory for the profiles are given.
    """

    def __init__(self, py_spy: str | None, directory: Path | None) -> None:
        self.py_spy = py_spy
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None
        self.path: Path | None = None

    def start(self, pid: int, name: str) -> None:
        """Start recording ``pid`` into ``<directory>/<name>.txt``."""
        if not (self.py_spy and self.directory):
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / f"{name}.txt"
        self.process = subprocess.Popen(  # noqa: S603 - the py-spy binary the user named
            [
                self.py_spy,
                "record",
                "--pid",
                str(pid),
                "--rate",
                str(SAMPLES_PER_SECOND),
                "--format",
                "raw",
                "--idle",
                "--threads",
                "--output",
                str(self.path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(ATTACH_SECONDS)  # let it attach before the clock starts

    def stop(self) -> str | None:
        """Stop recording; the profile's summary (None if nothing was recorded)."""
        if self.process is None or self.path is None:
            return None
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=60)
        self.process = None
        return summarise(self.path.read_text())
