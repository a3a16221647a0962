"""Call frequency, 12 CFR 1006.14(b)(2): how often a debt collector may call about one debt.

(A) no more than `max_attempts` (7) call attempts within `window_days` (7) consecutive days;
(B) no call within `after_conversation_days` (7) days after a telephone conversation, the day
of the conversation being day 1.

Days are calendar days where the consumer is. With several candidate zones the rule is
applied in each and the most restrictive result wins, so a call is allowed only when it is
allowed in every zone. Counted: every outbound voice record of the account (imported ones too;
an attempt is an attempt whatever its outcome, unless the ruleset turns `count_unconnected`
off, which lets busy and failed calls go uncounted as 1006.14(b)(3)(ii) permits). A
conversation is a voice record with outcome "conversation" in either direction. Records dated
after `now` are counted as well: failing closed on bad data means fewer calls, never more.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from policies.decision import Reason, RuleCheck
from policies.facts import ContactFacts
from policies.rule_settings import CallFrequencySettings
from policies.ruleset import Ruleset
from policies.timezones import candidate_zones, zone_infos

CITATION_ATTEMPTS = "12 CFR 1006.14(b)(2)(i)(A)"
CITATION_CONVERSATION = "12 CFR 1006.14(b)(2)(i)(B)"
# Calls that never connect to the dialed number (12 CFR 1006.14(b)(3)(ii)).
UNCONNECTED_OUTCOMES = frozenset({"busy", "failed"})
_MIDNIGHT = time(0)


def check_call_frequency(
    facts: ContactFacts,
    now: datetime,
    ruleset: Ruleset,
    *,
    zones: tuple[str, ...] | None = None,
) -> RuleCheck:
    """Defer a call that would exceed either limit until the first instant both allow it.

    Only calls are limited (the regulation counts telephone calls); every other channel passes.
    """
    settings = ruleset.call_frequency
    if not settings.enabled or facts.channel != "voice" or facts.purpose not in settings.purposes:
        return RuleCheck([], None)
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if zones is None:
        zones = candidate_zones(facts.timezones, facts.postal_code, facts.phones)

    # Only records that can fall on one of the last N local days matter; a day of margin
    # covers any difference between a zone's offset now and at the record.
    horizon = now - timedelta(days=max(settings.window_days, settings.after_conversation_days) + 2)
    attempts: list[datetime] = []
    conversations: list[datetime] = []
    count_all = settings.count_unconnected
    for record in facts.history:
        if record.channel != "voice" or record.at < horizon:
            continue
        if record.outcome == "conversation":
            conversations.append(record.at)
        if record.direction == "outbound" and (
            count_all or record.outcome not in UNCONNECTED_OUTCOMES
        ):
            attempts.append(record.at)
    if len(attempts) < settings.max_attempts and not conversations:
        return RuleCheck([], None)

    reasons: list[Reason] = []
    not_before: datetime | None = None
    infos = zone_infos(zones)
    attempts_limit = _attempts_limit(now, attempts, infos, settings)
    if attempts_limit is not None:
        reasons.append(attempts_limit[1])
        not_before = attempts_limit[0]
    conversation_limit = _conversation_limit(now, conversations, infos, settings)
    if conversation_limit is not None:
        reasons.append(conversation_limit[1])
        if not_before is None or conversation_limit[0] > not_before:
            not_before = conversation_limit[0]
    return RuleCheck(reasons, not_before)


def _attempts_limit(
    now: datetime,
    attempts: list[datetime],
    zones: tuple[ZoneInfo, ...],
    settings: CallFrequencySettings,
) -> tuple[datetime, Reason] | None:
    limit, window = settings.max_attempts, settings.window_days
    if len(attempts) < limit:
        return None
    worst: tuple[datetime, ZoneInfo, list[date]] | None = None
    for zone in zones:
        today = now.astimezone(zone).date()
        first_day = today - timedelta(days=window - 1)
        days = sorted(
            (d for d in (a.astimezone(zone).date() for a in attempts) if d >= first_day),
            reverse=True,
        )
        if len(days) < limit:
            continue
        # A call on day T is allowed once fewer than `limit` calls fall on days T-6..T, i.e.
        # once the limit-th most recent call day has left the window.
        free_day = days[limit - 1] + timedelta(days=window)
        at = _start_of(free_day, zone)
        if worst is None or at > worst[0]:
            worst = (at, zone, days)
    if worst is None:
        return None
    at, zone, days = worst
    message = (
        f"{len(days)} calls were placed between {days[-1]} and {days[0]} ({zone.key}); "
        f"no more than {limit} call attempts are allowed within {window} consecutive days, "
        f"so the next call may be placed from {at.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"
    )
    return at, Reason(rule="call_frequency_7in7", message=message, citation=CITATION_ATTEMPTS)


def _conversation_limit(
    now: datetime,
    conversations: list[datetime],
    zones: tuple[ZoneInfo, ...],
    settings: CallFrequencySettings,
) -> tuple[datetime, Reason] | None:
    if not conversations:
        return None
    period = settings.after_conversation_days
    worst: tuple[datetime, ZoneInfo, date] | None = None
    for zone in zones:
        today = now.astimezone(zone).date()
        last = max(c.astimezone(zone).date() for c in conversations)
        # The conversation's day is day 1, so days last .. last+period-1 are closed.
        free_day = last + timedelta(days=period)
        if today >= free_day:
            continue
        at = _start_of(free_day, zone)
        if worst is None or at > worst[0]:
            worst = (at, zone, last)
    if worst is None:
        return None
    at, zone, last = worst
    message = (
        f"A telephone conversation took place on {last} ({zone.key}); no call may be placed "
        f"within {period} days after it, counting that day as day 1, so the next call may be "
        f"placed from {at.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"
    )
    return at, Reason(
        rule="call_after_conversation", message=message, citation=CITATION_CONVERSATION
    )


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a local calendar day, in UTC.

    Midnight inside a DST gap (zones that change clocks at 00:00) resolves with fold=0 to
    the end of the gap, which is still the first instant of that day.
    """
    return datetime.combine(day, _MIDNIGHT, zone).astimezone(UTC)
