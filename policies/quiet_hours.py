"""Quiet hours, 12 CFR 1006.6(b)(1)(i): contact only at a convenient local time in every zone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from policies.decision import Reason, RuleCheck
from policies.facts import ContactFacts
from policies.purposes import reply_in_grace
from policies.rule_settings import CONTIGUOUS_US_ZONES, QuietHours
from policies.ruleset import Ruleset
from policies.timezones import load_zone, signal_zones, zone_infos

__all__ = [
    "CITATION",
    "CONTIGUOUS_US_ZONES",
    "QuietHours",
    "QuietHoursCheck",
    "check_quiet_hours",
    "check_quiet_hours_rule",
    "load_zone",
]

CITATION = "12 CFR 1006.6(b)(1)(i)"

# Kept as a name of its own: callers written against the first version use it.
QuietHoursCheck = RuleCheck


def check_quiet_hours_rule(
    facts: ContactFacts,
    now: datetime,
    ruleset: Ruleset,
    *,
    zones: tuple[str, ...] | None = None,
) -> RuleCheck:
    """The quiet-hours rule as a ruleset configures it: its window, its channels, the reply grace.

    A channel the ruleset does not list is never held back. A reply the ruleset's `reply`
    settings let through (the consumer wrote on that channel moments ago) passes at any hour.
    """
    settings = ruleset.quiet_hours
    if not settings.enabled or facts.channel not in settings.channels:
        return RuleCheck([], None)
    if reply_in_grace(facts, now, ruleset.reply):
        return RuleCheck([], None)
    return check_quiet_hours(facts, now, settings.window, zones=zones)


def check_quiet_hours(
    facts: ContactFacts,
    now: datetime,
    rules: QuietHours,
    *,
    zones: tuple[str, ...] | None = None,
) -> RuleCheck:
    """Check `now` against the window in every candidate zone and find the next allowed instant.

    The window is `rules` narrowed to the consumer's preferred hours when they stated some
    (`facts.preferred_hours`); preferred hours that leave nothing of it block.
    `zones` are the consumer's candidate zones when the caller already has them; otherwise
    they are derived from the facts, and `rules.fallback_zones` stand in when no signal
    indicates any. Raises ValueError for a naive `now` or a bad signal (unknown zone,
    postal code or phone): guessing a zone could send a message at night.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if zones is None:
        zones = signal_zones(facts.timezones, facts.postal_code, facts.phones)
        zones = zones or rules.fallback_zones
    infos = zone_infos(zones)
    window = _window_label(rules.start, rules.end)
    preferred = facts.preferred_hours
    if preferred is not None:
        start, end = max(rules.start, preferred[0]), min(rules.end, preferred[1])
        if not start < end:
            # Fail closed: the consumer ruled out every hour the rules leave open.
            message = (
                f"The consumer's preferred hours ({_window_label(*preferred)}) leave no "
                f"convenient time within {window}"
            )
            return RuleCheck([_reason(message)], None)
        rules = replace(rules, start=start, end=end)
        window = _preferred_label(rules, preferred, window)

    outside = []
    for zone in infos:
        local = now.astimezone(zone)
        if not rules.start <= local.time() < rules.end:
            outside.append(f"{local.hour:02d}:{local.minute:02d} in {zone.key}")
    if not outside:
        return RuleCheck([], None)

    not_before = _next_allowed(now, infos, rules)
    if not_before is None:
        message = (
            f"The consumer's time zones ({', '.join(zones)}) have no common convenient time "
            f"within {window} in the next {rules.search_days} days"
        )
        return RuleCheck([_reason(message)], None)

    verb = "is" if len(outside) == 1 else "are"
    message = f"{', '.join(outside)} {verb} outside {window}"
    return RuleCheck([_reason(message)], not_before)


def _preferred_label(narrowed: QuietHours, preferred: tuple[time, time], window: str) -> str:
    """The narrowed window, naming the preferred hours when they reach past the rules' own."""
    label = _window_label(narrowed.start, narrowed.end)
    stated = _window_label(*preferred)
    hours = "preferred hours" if stated == label else f"preferred hours {stated}"
    return f"{label} (the consumer's {hours} within {window})"


def _reason(message: str) -> Reason:
    return Reason(rule="quiet_hours", message=message, citation=CITATION)


@lru_cache(maxsize=64)
def _window_label(start: time, end: time) -> str:
    return f"{start:%H:%M}-{end:%H:%M}"


def _next_allowed(now: datetime, zones: tuple[ZoneInfo, ...], rules: QuietHours) -> datetime | None:
    """The first instant from `now` on that is inside the window in every zone, if any.

    Any such instant is at or after the next opening of each zone that is closed now, so
    jumping to that opening never skips one; repeat until every zone is open. Openings are
    built from local dates rather than by adding 24 hours, so DST days land on the real local
    start. A start inside a DST gap resolves (fold=0) to just after the gap: later than
    strictly necessary, never earlier; in a repeated hour the first occurrence still ahead
    is taken. The search ends at the last zone's start `search_days` local days ahead.
    """
    start, end = rules.start, rules.end
    instant = now.astimezone(UTC)
    # A cheap bound for the loop; the exact one is checked on the instant found.
    stop = instant + timedelta(days=rules.search_days + 2)
    while instant <= stop:
        for zone in zones:
            local = instant.astimezone(zone)
            clock = local.time()
            if not start <= clock < end:
                day = local.date() if clock < start else local.date() + _DAY
                instant = _opening_after(instant, day, zone, rules)
                break
        else:
            # Every zone's last start is at least search_days - 1 days (less an hour of DST)
            # after now, so an instant before that needs no exact check.
            if instant - now <= timedelta(days=rules.search_days - 1, hours=-2):
                return instant
            ahead = timedelta(days=rules.search_days)
            limit = max(
                datetime.combine(now.astimezone(zone).date() + ahead, start, zone) for zone in zones
            )
            return instant if instant <= limit else None
    return None


_DAY = timedelta(days=1)


def _opening_after(instant: datetime, day: date, zone: ZoneInfo, rules: QuietHours) -> datetime:
    """The zone's first window start after `instant`, looking from local date `day` on."""
    first = datetime.combine(day, rules.start, zone)
    for candidate in (first, first.replace(fold=1)):
        opening = candidate.astimezone(UTC)
        if opening > instant:
            return opening
    return datetime.combine(day + _DAY, rules.start, zone).astimezone(UTC)
