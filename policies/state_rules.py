"""The checks of state rule overlays (`policies.state_overlays`) on a proposed contact.

Every overlay of every region the consumer may be in applies, and every reason is listed, so
the strictest rule wins without ranking them: any consent reason blocks, and frequency limits
defer until the latest instant any of them sets. Overlays only add reasons to the federal ones.

Frequency limits count the account's outbound records on the limit's channels, whatever their
outcome (a failed or unanswered attempt is still an attempt: the conservative reading), dated
after `at` included (failing closed on bad data means fewer contacts, never more). History
does not record which address each contact went to, so a limit scoped to personal or to other
addresses counts contacts to every address: again more, never fewer. Days are calendar days in
each of the consumer's zones and the most restrictive zone wins, as in
`policies.call_frequency`. A frequency limit only counts past events, so once it allows a
contact it allows it at every later instant on the same facts: it "stays passed".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from policies.decision import Reason, RuleCheck
from policies.facts import ConsentState, ContactFacts
from policies.rule_settings import Disclosure
from policies.state_overlays import ConsentRule, FrequencyLimit, StateOverlay
from policies.timezones import zone_infos

__all__ = ["check_state_rules", "fill_disclosures", "state_disclosures"]

_MIDNIGHT = time(0)
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def check_state_rules(
    facts: ContactFacts, at: datetime, overlays: tuple[StateOverlay, ...], zones: tuple[str, ...]
) -> RuleCheck:
    """Every reason the overlays give against the contact at `at` (timezone-aware).

    `zones` are the consumer's candidate zones (`policies.timezones.candidate_zones`). Any
    blocking reason makes the whole check a block (`not_before` None); otherwise `not_before`
    is the first instant every frequency limit allows the contact.
    """
    if at.utcoffset() is None:
        raise ValueError("at must be timezone-aware")
    at = at.astimezone(UTC)
    reasons: list[Reason] = []
    blocked = False
    not_before: datetime | None = None
    for overlay in overlays:
        for consent in overlay.consent_rules:
            reason = _consent_reason(facts, consent)
            if reason is not None:
                reasons.append(reason)
                blocked = True
        for limit in overlay.frequency_limits:
            deferral = _frequency_limit(facts, at, limit, zones)
            if deferral is not None:
                reasons.append(deferral[1])
                if not_before is None or deferral[0] > not_before:
                    not_before = deferral[0]
    return RuleCheck(reasons, None if blocked else not_before)


def state_disclosures(
    facts: ContactFacts, overlays: tuple[StateOverlay, ...]
) -> tuple[Disclosure, ...]:
    """The disclosures the overlays require in a message on `facts.channel`, each once.

    Time-barred disclosures only when `facts.time_barred`. In overlay order (by region), then
    file order.
    """
    found: dict[str, Disclosure] = {}
    for overlay in overlays:
        for item in overlay.disclosures:
            if (
                facts.channel in item.channels
                and facts.purpose in item.purposes
                and (item.when == "always" or facts.time_barred)
            ):
                found.setdefault(item.rule, item.disclosure)
    return tuple(found.values())


def fill_disclosures(
    disclosures: tuple[Disclosure, ...], values: Mapping[str, str]
) -> tuple[Disclosure, ...]:
    """The disclosures with each {placeholder} of their text filled from `values`.

    An overlay's text may name the collector, the debt's owner or a license number
    (`policies.state_overlays.PLACEHOLDERS`), which only the deployment knows. Raises
    ValueError when a placeholder has no value, or when the filled text no longer carries its
    own disclosure: a message must never go out with a literal "{name}" in it.
    """
    filled = []
    for disclosure in disclosures:
        missing = sorted(set(_PLACEHOLDER.findall(disclosure.text)) - set(values))
        if missing:
            raise ValueError(f"no value for {', '.join(missing)} in disclosure {disclosure.name}")
        text = _PLACEHOLDER.sub(lambda m: values[m.group(1)], disclosure.text)
        result = replace(disclosure, text=text)
        if not result.present_in(text):
            raise ValueError(f"disclosure {disclosure.name} no longer matches its own text")
        filled.append(result)
    return tuple(filled)


def _consent_reason(facts: ContactFacts, rule: ConsentRule) -> Reason | None:
    if facts.channel not in rule.channels or facts.purpose not in rule.purposes:
        return None
    if facts.consent is ConsentState.GRANTED and facts.consent_source in rule.sources:
        return None
    on_file = (
        f"consent {facts.consent.value}, given through {facts.consent_source}"
        if facts.consent_source is not None
        else f"consent {facts.consent.value}, source not recorded"
    )
    return Reason(
        rule=rule.rule,
        message=f"{rule.message} ({facts.channel}: {on_file}; needed: consent given through "
        f"{' or '.join(sorted(rule.sources))})",
        citation=rule.citation,
    )


def _applies(facts: ContactFacts, limit: FrequencyLimit) -> bool:
    if facts.channel not in limit.channels or facts.purpose not in limit.purposes:
        return False
    if limit.address == "personal":
        return not facts.work_address
    if limit.address == "other":
        return facts.work_address
    return True


def _frequency_limit(
    facts: ContactFacts, at: datetime, limit: FrequencyLimit, zones: tuple[str, ...]
) -> tuple[datetime, Reason] | None:
    if not _applies(facts, limit):
        return None
    # Only records that can fall on one of the last N local days matter; two days of margin
    # cover any zone's offset from UTC.
    horizon = at - timedelta(days=limit.window_days + 2)
    counted = sorted(
        (
            r.at
            for r in facts.history
            if r.direction == "outbound" and r.channel in limit.channels and r.at >= horizon
        ),
        reverse=True,
    )
    if len(counted) < limit.max_attempts:
        return None
    worst: tuple[datetime, ZoneInfo, int] | None = None
    for zone in zone_infos(zones):
        first_day = at.astimezone(zone).date() - timedelta(days=limit.window_days - 1)
        # Newest first, so the contacts on the window's days are a prefix of `counted`, and the
        # max_attempts-th newest contact is also on the max_attempts-th newest day.
        # In UTC, like the records: comparing datetimes of one tzinfo is a plain comparison.
        cutoff = datetime.combine(first_day, _MIDNIGHT, zone).astimezone(UTC)
        inside = next((i for i, c in enumerate(counted) if c < cutoff), len(counted))
        if inside < limit.max_attempts:
            continue
        # Contact on day T is allowed once fewer than max_attempts counted contacts fall on
        # days T-window+1..T, i.e. once the max_attempts-th most recent day has left it.
        oldest_that_counts = counted[limit.max_attempts - 1].astimezone(zone).date()
        free_day = oldest_that_counts + timedelta(days=limit.window_days)
        free_at = datetime.combine(free_day, _MIDNIGHT, zone).astimezone(UTC)
        if worst is None or free_at > worst[0]:
            worst = (free_at, zone, inside)
    if worst is None:
        return None
    free_at, zone, inside = worst
    days = [c.astimezone(zone).date() for c in counted[:inside]]
    channels = ", ".join(sorted(limit.channels))
    message = (
        f"{limit.message}: {len(days)} outbound contacts ({channels}) between {days[-1]} and "
        f"{days[0]} ({zone.key}); the limit is {limit.max_attempts} within {limit.window_days} "
        f"days, so the next may go out from {free_at.astimezone(zone):%Y-%m-%d %H:%M} "
        f"({zone.key})"
    )
    return free_at, Reason(rule=limit.rule, message=message, citation=limit.citation)
