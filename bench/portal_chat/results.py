"""What a run measured: the latencies, the idle sockets, the processes' logs, and the problems."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.portal_chat.sockets import Turn


@dataclass
class Results:
    """Everything the report shows."""

    database: str
    turns: int = 0
    direct: list[float] = field(default_factory=list)  # ms
    chat: list[float] = field(default_factory=list)
    ack: list[float] = field(default_factory=list)
    typing: list[float] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # why each lost chat turn was lost
    answered: list[Turn] = field(default_factory=list)
    stages: dict[str, list[float]] = field(default_factory=dict)  # ms, from the worker's log
    bodies: set[str] = field(default_factory=set)
    latency_seconds: float = 0.0
    sockets: int = 0
    signed_in: int = 0
    sessions_seconds: float = 0.0
    connect_seconds: float = 0.0
    connect_ms: list[float] = field(default_factory=list)  # handshake + history + state
    opened: int = 0
    failures: list[str] = field(default_factory=list)
    idle_seconds: float = 0.0
    machine_busy: float = 0.0
    rss_before_kb: int = 0
    rss_after_kb: int = 0
    rss_closed_kb: int = 0
    cpu_without: float = 0.0  # fraction of one core
    cpu_with: float = 0.0
    open_after_idle: int = 0
    open_at_end: int = 0
    close_codes: dict[str, int] = field(default_factory=dict)
    live: list[Turn] = field(default_factory=list)
    log_lines: int = 0
    log_warnings: list[str] = field(default_factory=list)
    log_errors: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        """Why the run failed, if it did."""
        found = []
        if self.lost:
            found.append(f"{len(self.lost)} chat turns lost ({', '.join(sorted(set(self.lost)))})")
        if self.failures:
            found.append(f"{len(self.failures)} sessions or sockets failed to open")
        if self.opened < self.sockets or self.open_at_end < self.opened:
            found.append(f"{self.open_at_end} of {self.sockets} idle sockets open at the end")
        if not self.live or any(turn.reply is None for turn in self.live):
            found.append("a round trip with every socket open was not answered")
        if self.log_errors:
            found.append(f"{len(self.log_errors)} errors in the gateway's and workers' logs")
        return found
