"""Purpose-specific exceptions. Today one: replies to a consumer who is writing right now."""

from __future__ import annotations

from datetime import datetime, timedelta

from policies.facts import ContactFacts
from policies.rule_settings import ReplySettings


def reply_in_grace(facts: ContactFacts, now: datetime, settings: ReplySettings) -> bool:
    """True when a reply may go out during quiet hours.

    Only a message of purpose "reply", on a channel the ruleset lists, sent no later than
    `quiet_hours_grace_minutes` after the consumer's last inbound message on that channel.
    An inbound message dated after `now` does not open the grace (it has not happened yet).
    """
    if not settings.enabled or facts.purpose != "reply" or facts.last_inbound_at is None:
        return False
    if facts.channel not in settings.channels:
        return False
    elapsed = now - facts.last_inbound_at
    return timedelta(0) <= elapsed <= timedelta(minutes=settings.quiet_hours_grace_minutes)
