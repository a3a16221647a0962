"""Typed settings of each rule, as read from a ruleset file (see `policies.ruleset`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

# With no location signal the time must be convenient wherever the consumer might be.
CONTIGUOUS_US_ZONES = (
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/New_York",
    "America/Phoenix",
)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """The convenient local window [start, end) and where to look when nothing is known."""

    start: time = time(8)
    end: time = time(21)
    fallback_zones: tuple[str, ...] = CONTIGUOUS_US_ZONES
    search_days: int = 8

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet-hours bounds are local wall-clock times without tzinfo")
        if not self.start < self.end:
            raise ValueError("quiet-hours window must start before it ends on the same day")


@dataclass(frozen=True, slots=True)
class QuietHoursSettings:
    enabled: bool
    window: QuietHours
    channels: frozenset[str]


@dataclass(frozen=True, slots=True)
class CallFrequencySettings:
    enabled: bool
    max_attempts: int
    window_days: int
    after_conversation_days: int
    purposes: frozenset[str]
    # 12 CFR 1006.14(b)(3)(ii) lets calls that never connect (busy, failed) go uncounted;
    # counting them is the conservative default.
    count_unconnected: bool


@dataclass(frozen=True, slots=True)
class ConsentSettings:
    enabled: bool
    express_consent_channels: frozenset[str]


@dataclass(frozen=True, slots=True)
class DoNotContactSettings:
    enabled: bool


@dataclass(frozen=True, slots=True)
class PermittedPurposes:
    """A hold that blocks every purpose except the permitted ones."""

    enabled: bool
    permitted_purposes: frozenset[str]


@dataclass(frozen=True, slots=True)
class DisputeHoldSettings:
    enabled: bool
    blocked_purposes: frozenset[str]


@dataclass(frozen=True, slots=True)
class ChannelCap:
    channel: str
    max: int
    window_days: int


@dataclass(frozen=True, slots=True)
class ChannelCapsSettings:
    enabled: bool
    purposes: frozenset[str]
    limits: tuple[ChannelCap, ...]

    def limit_for(self, channel: str) -> ChannelCap | None:
        """The cap of a channel, or None when the channel has none."""
        for cap in self.limits:
            if cap.channel == channel:
                return cap
        return None


@dataclass(frozen=True, slots=True)
class ReplySettings:
    enabled: bool
    quiet_hours_grace_minutes: int
    channels: frozenset[str]
