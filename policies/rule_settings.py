"""Typed settings of each rule, as read from a ruleset file (see `policies.ruleset`)."""

from __future__ import annotations

import re
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


@dataclass(frozen=True, slots=True)
class Disclosure:
    """A statement a message must carry: the sentence the gateway adds when it adds one, the
    pattern that finds it in a rendered text (matched case-insensitively against the text
    with its whitespace collapsed), and where the law asks for it."""

    name: str
    text: str
    pattern: re.Pattern[str]
    citation: str

    def present_in(self, text: str) -> bool:
        """Whether ``text`` carries this disclosure."""
        return self.pattern.search(flatten(text)) is not None


def flatten(text: str) -> str:
    """``text`` with every run of whitespace made one space: what disclosure patterns read, so
    a line break in a template never hides a sentence."""
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class AddressProvenanceSettings:
    """Safe harbors against third-party disclosure for electronic messages (12 CFR
    1006.6(d)(4) email, (d)(5) texts). ``*_action``: "block" or "warn" when a message to the
    address meets none."""

    enabled: bool
    purposes: frozenset[str]
    email_action: str
    email_safe_provenances: frozenset[str]
    sms_action: str
    sms_consumer_used_days: int


@dataclass(frozen=True, slots=True)
class WorkAddressSettings:
    """No email to an address known to be provided by the consumer's employer (12 CFR
    1006.22(f)(3)) unless the consumer used it with the collector or gave it themselves."""

    enabled: bool


@dataclass(frozen=True, slots=True)
class ValidationNoticeSettings:
    """12 CFR 1006.34: validation information within ``due_days`` calendar days of the initial
    communication; ``mode`` "send" sends Parley's notice, "notify" tells the core system
    (a ``validation_due`` update). ``late_disputes_hold``: whether a dispute after the
    validation period still holds collection."""

    enabled: bool
    due_days: int
    mode: str
    late_disputes_hold: bool


@dataclass(frozen=True, slots=True)
class TimeBarredSettings:
    """No threat of suit on a time-barred debt (12 CFR 1006.26(b))."""

    enabled: bool


@dataclass(frozen=True, slots=True)
class KindDisclosures:
    """The disclosures one kind of message needs as the initial communication with the
    consumer and as a subsequent one (15 U.S.C. 1692e(11) tells the two apart)."""

    kind: str
    initial: tuple[Disclosure, ...]
    subsequent: tuple[Disclosure, ...]


@dataclass(frozen=True, slots=True)
class ChannelDisclosures:
    """What every message of the `ElectronicDisclosures.kinds` must carry on one channel."""

    channel: str
    required: tuple[Disclosure, ...]


@dataclass(frozen=True, slots=True)
class ElectronicDisclosures:
    """Disclosures of electronic messages (the opt-out instruction of 12 CFR 1006.6(e))."""

    kinds: frozenset[str]
    channels: tuple[ChannelDisclosures, ...]

    def required_on(self, channel: str, kind: str) -> tuple[Disclosure, ...]:
        """What a message of ``kind`` needs on ``channel``; () off the listed kinds/channels."""
        if kind not in self.kinds:
            return ()
        for entry in self.channels:
            if entry.channel == channel:
                return entry.required
        return ()


@dataclass(frozen=True, slots=True)
class ForbiddenContent:
    """Content a limited-content message must not carry, by name (reported) and pattern."""

    name: str
    pattern: re.Pattern[str]

    def present_in(self, text: str) -> bool:
        """Whether ``text`` carries this content (whitespace collapsed, as for disclosures)."""
        return self.pattern.search(" ".join(text.split())) is not None


@dataclass(frozen=True, slots=True)
class LimitedContentSettings:
    """A limited-content message (12 CFR 1006.2(j)): the channels it may go out on, and the
    disclosures and other content that would make it more than one (a communication)."""

    channels: frozenset[str]
    forbidden: tuple[Disclosure, ...]
    forbidden_content: tuple[ForbiddenContent, ...]


@dataclass(frozen=True, slots=True)
class DisclosureSettings:
    """Which disclosures each kind of message carries, and what a limited-content one may not.

    ``texts`` are every disclosure the ruleset defines; ``kinds`` has one entry per message
    kind (policies.facts.MESSAGE_KINDS).
    """

    enabled: bool
    texts: tuple[Disclosure, ...]
    kinds: tuple[KindDisclosures, ...]
    electronic: ElectronicDisclosures
    limited_content: LimitedContentSettings

    def for_kind(self, kind: str, initial: bool) -> tuple[Disclosure, ...]:
        """The disclosures of ``kind`` as an initial or a subsequent communication."""
        for entry in self.kinds:
            if entry.kind == kind:
                return entry.initial if initial else entry.subsequent
        raise ValueError(f"unknown message kind {kind!r}")
