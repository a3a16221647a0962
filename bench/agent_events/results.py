"""What a run measured: latencies per measurement, the idle sockets, the checks after it."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.stats import median, percentile


@dataclass
class Series:
    """Latencies of one measurement, in milliseconds, with what went wrong."""

    name: str
    latencies: list[float] = field(default_factory=list)
    lost: int = 0  # events that never came, within --timeout
    errors: int = 0  # requests answered with another status than expected

    def add(self, started: float, ended: float | None) -> None:
        """One sample: None when the event was lost."""
        if ended is None:
            self.lost += 1
        else:
            self.latencies.append((ended - started) * 1000)

    @property
    def median(self) -> float:
        """Median ms."""
        return median(self.latencies)

    @property
    def p99(self) -> float:
        """99th percentile ms."""
        return percentile(self.latencies, 0.99)

    @property
    def max(self) -> float:
        """Slowest ms."""
        return max(self.latencies, default=0.0)


@dataclass
class Latency:
    """Every series of the sequential rounds."""

    redis: Series = field(default_factory=lambda: Series("Redis publish → subscriber (baseline)"))
    hub: Series = field(default_factory=lambda: Series("publish on parley:agent → A's socket"))
    twilio_answer: Series = field(default_factory=lambda: Series("Twilio webhook: B answers"))
    twilio_event: Series = field(
        default_factory=lambda: Series("Twilio webhook on B → event on A (worker routes)")
    )
    api_answer: Series = field(default_factory=lambda: Series("core API inbound: B answers"))
    api_event: Series = field(
        default_factory=lambda: Series("core API inbound on B → event on A (routed at once)")
    )

    def all(self) -> list[Series]:
        """In report order."""
        return [
            self.redis,
            self.hub,
            self.twilio_answer,
            self.twilio_event,
            self.api_answer,
            self.api_event,
        ]


@dataclass
class Idle:
    """Replica A at rest before and after the idle sockets, and one broadcast to all of them."""

    sockets: int = 0
    opened: int = 0
    still_open: int = 0
    seconds: float = 0.0
    rss_before_kb: int = 0
    rss_after_kb: int = 0
    cpu_before: float = 0.0  # fraction of one core
    cpu_after: float = 0.0
    fanout_sent: int = 0
    fanout_complete: int = 0  # broadcasts that reached every socket
    first_socket: list[float] = field(default_factory=list)  # ms from the webhook
    last_socket: list[float] = field(default_factory=list)


@dataclass
class Run:
    """What one run measured, and the checks after it."""

    database: str
    latency: Latency = field(default_factory=Latency)
    idle: Idle = field(default_factory=Idle)
    unexpected_frames: int = 0
    log_lines: int = 0
    log_warnings: int = 0
    log_errors: list[str] = field(default_factory=list)
    log_leaks: int = 0  # log lines holding a debtor's phone number or a message body
    redis_version: str = ""
    machine_busy: float = 0.0  # cores other work used just before the rounds
    rounds_seconds: float = 0.0
    rounds_cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process group

    @property
    def problems(self) -> list[str]:
        """Why the run failed, if it did."""
        found = []
        for series in self.latency.all():
            if series.lost:
                found.append(f"{series.lost} lost in '{series.name}'")
            if series.errors:
                found.append(f"{series.errors} failed requests in '{series.name}'")
        idle = self.idle
        if idle.still_open < idle.opened or idle.opened < idle.sockets:
            found.append(f"{idle.still_open} of {idle.sockets} idle sockets open at the end")
        if idle.fanout_complete < idle.fanout_sent:
            found.append(f"{idle.fanout_sent - idle.fanout_complete} broadcasts missed some socket")
        if self.log_errors:
            found.append(f"{len(self.log_errors)} errors in the processes' logs")
        if self.log_leaks:
            found.append(f"{self.log_leaks} log lines with a phone number or message body")
        return found
