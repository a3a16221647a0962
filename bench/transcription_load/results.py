"""What a run measured: both phases' bot turns, the transcription of the recordings, the
processes' memory and CPU, and the problems."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.stats import percentile


@dataclass(frozen=True)
class Turn:
    """One bot turn: when it started (wall clock), its latency in ms from when it was due (None:
    no answer in time), and how long it waited for a free conversation."""

    started: float
    ms: float | None
    waited_ms: float


@dataclass
class Phase:
    """One phase's bot turns, where their time went, and what the processes used meanwhile."""

    name: str
    turns: list[Turn] = field(default_factory=list)
    seconds: float = 0.0  # wall time of the turns
    stages: list[dict[str, float]] = field(default_factory=list)  # seconds, from TurnProbe
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process group
    machine_busy: float = 0.0  # cores other work used just before the phase

    @property
    def latencies(self) -> list[float]:
        """The answered turns' latencies, ms."""
        return [turn.ms for turn in self.turns if turn.ms is not None]

    @property
    def lost(self) -> int:
        """Turns not answered within the timeout."""
        return sum(turn.ms is None for turn in self.turns)

    def p(self, q: float) -> float:
        """The q-quantile (0..1) of the latencies, ms."""
        return percentile(self.latencies, q)

    def stage(self, name: str) -> list[float]:
        """One stage's durations over the phase's turns, ms."""
        return [row[name] * 1000 for row in self.stages if name in row]


@dataclass
class Transcription:
    """The recordings of the load phase: how many, how long, and how fast they were done."""

    posted: int = 0
    audio_seconds: float = 0.0  # of those posted
    done_audio_seconds: float = 0.0  # of those transcribed
    post_seconds: float = 0.0  # wall time to post them all
    wall_seconds: float = 0.0  # first POST → last recording transcribed
    statuses: dict[str, int] = field(default_factory=dict)
    queued_ms: list[float] = field(default_factory=list)  # each one's POST → transcribed
    last_done: float = 0.0  # when the last recording was transcribed (wall clock, 0: none was)
    kinds: dict[str, int] = field(default_factory=dict)  # voicemails posted per script kind

    @property
    def transcribed(self) -> int:
        """Recordings transcribed."""
        return self.statuses.get("transcribed", 0)

    @property
    def per_second(self) -> float:
        """Recordings transcribed per wall-clock second."""
        return self.transcribed / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def audio_per_second(self) -> float:
        """Seconds of audio transcribed per wall-clock second."""
        return self.done_audio_seconds / self.wall_seconds if self.wall_seconds else 0.0


@dataclass
class Results:
    """Everything the report shows."""

    database: str
    baseline: Phase = field(default_factory=lambda: Phase("baseline"))
    load: Phase = field(default_factory=lambda: Phase("under load"))
    transcription: Transcription = field(default_factory=Transcription)
    warm_up_seconds: float = 0.0  # the first recording, before the phases
    rss_start_kb: dict[str, int] = field(default_factory=dict)  # process → VmRSS
    rss_max_kb: dict[str, dict[str, int]] = field(default_factory=dict)  # phase → process → max
    peak_kb: dict[str, int] = field(default_factory=dict)  # process → VmHWM at the end
    exited: list[str] = field(default_factory=list)  # processes of the stack that died

    @property
    def during(self) -> Phase:
        """The load phase's turns answered before the last recording was transcribed."""
        end = self.transcription.last_done
        turns = [t for t in self.load.turns if t.ms is not None and t.started + t.ms / 1000 <= end]
        return Phase("under load, answered before the last recording was done", turns)

    def p99_ratio(self, phase: Phase) -> float:
        """``phase``'s p99 over the baseline's."""
        base = self.baseline.p(0.99)
        return phase.p(0.99) / base if base else 0.0

    @property
    def problems(self) -> list[str]:
        """Why the run failed, if it did (a missed latency goal is a finding, not a failure)."""
        found = []
        for phase in (self.baseline, self.load):
            if phase.lost:
                found.append(f"{phase.lost} turns lost {phase.name}")
        t = self.transcription
        if t.transcribed < t.posted:
            found.append(f"{t.posted - t.transcribed} of {t.posted} recordings not transcribed")
        if self.exited:
            found.append(f"processes exited: {', '.join(self.exited)}")
        return found
