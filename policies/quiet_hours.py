"""Quiet hours, 12 CFR 1006.6(b)(1)(i): contact only at a convenient local time in every zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from policies.decision import Reason
from policies.facts import ContactFacts

CITATION = "12 CFR 1006.6(b)(1)(i)"

# With no location signal the time must be convenient wherever the consumer might be.
CONTIGUOUS_US_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Parameters of the rule: the convenient local window [start, end) and where to look."""

    start: time = time(8)
    end: time = time(21)
    fallback_zones: tuple[str, ...] = CONTIGUOUS_US_ZONES
    search_days: int = 8

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet-hours bounds are local wall-clock times without tzinfo")
        if not self.start < self.end:
            raise ValueError("quiet-hours window must start before it ends on the same day")


DEFAULT_QUIET_HOURS = QuietHours()


@dataclass(frozen=True, slots=True)
class QuietHoursCheck:
    """Result of the rule.

    No reasons: allowed now. Reasons with `not_before`: defer until then. Reasons without
    `not_before`: block, because the zones share no convenient time.
    """

    reasons: list[Reason]
    not_before: datetime | None


def check_quiet_hours(
    facts: ContactFacts, now: datetime, rules: QuietHours = DEFAULT_QUIET_HOURS
) -> QuietHoursCheck:
    """Check `now` against the window in every candidate zone and find the next allowed instant.

    Raises ValueError for a naive `now` or a zone name that cannot be loaded: guessing a
    zone could send a message at night.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    names = tuple(dict.fromkeys(facts.timezones)) or rules.fallback_zones
    zones = [load_zone(name) for name in names]
    if _allowed_everywhere(now, zones, rules):
        return QuietHoursCheck(reasons=[], not_before=None)

    window = f"{rules.start:%H:%M}-{rules.end:%H:%M}"
    not_before = _next_allowed(now, zones, rules)
    if not_before is None:
        message = (
            f"The consumer's time zones ({', '.join(names)}) have no common convenient time "
            f"within {window} in the next {rules.search_days} days"
        )
        return QuietHoursCheck(reasons=[_reason(message)], not_before=None)

    outside = [
        f"{now.astimezone(zone):%H:%M} in {zone.key}"
        for zone in zones
        if not _inside(now.astimezone(zone).time(), rules)
    ]
    verb = "is" if len(outside) == 1 else "are"
    message = f"{', '.join(outside)} {verb} outside {window}"
    return QuietHoursCheck(reasons=[_reason(message)], not_before=not_before)


def load_zone(name: str) -> ZoneInfo:
    """Load an IANA zone, raising ValueError for anything that is not one."""
    # "localtime" is a host alias for the machine's own zone, which would make the
    # decision depend on where the process runs.
    if name == "localtime":
        raise ValueError("'localtime' is not an IANA time zone name")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def _reason(message: str) -> Reason:
    return Reason(rule="quiet_hours", message=message, citation=CITATION)


def _inside(local: time, rules: QuietHours) -> bool:
    return rules.start <= local < rules.end


def _allowed_everywhere(instant: datetime, zones: list[ZoneInfo], rules: QuietHours) -> bool:
    return all(_inside(instant.astimezone(zone).time(), rules) for zone in zones)


def _next_allowed(now: datetime, zones: list[ZoneInfo], rules: QuietHours) -> datetime | None:
    # The common window can only open when some zone reaches its local start, so those
    # instants are the only candidates. Each is built from a local date rather than by
    # adding 24 hours, so DST days land on the real local start. A start inside a DST gap
    # resolves (fold=0) to just after the gap: later than strictly necessary, never earlier.
    now_utc = now.astimezone(UTC)
    candidates = sorted(
        {
            datetime.combine(
                now.astimezone(zone).date() + timedelta(days=offset), rules.start, zone
            ).astimezone(UTC)
            for zone in zones
            for offset in range(rules.search_days + 1)
        }
    )
    return next(
        (c for c in candidates if c >= now_utc and _allowed_everywhere(c, zones, rules)),
        None,
    )
