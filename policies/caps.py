"""Channel caps: ruleset limits on how many messages a channel may carry in a rolling window.

Caps are policy, not law, so their citation names the ruleset setting. The window is a
rolling `window_days` x 24 hours ending at the send. Counted: every outbound record on the
channel except those that never left the provider (outcome "failed"), records dated after
`now` included (fail closed). Only purposes the ruleset lists are capped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from policies.decision import Reason, RuleCheck
from policies.facts import ContactFacts
from policies.ruleset import Ruleset

NOT_SENT_OUTCOMES = frozenset({"failed"})
_NOUNS = {"sms": "text messages", "email": "emails", "voice": "calls", "chat": "chat messages"}


def check_channel_caps(facts: ContactFacts, now: datetime, ruleset: Ruleset) -> RuleCheck:
    """Defer a message that would exceed its channel's cap until the window has room.

    A channel the ruleset gives no cap is never held back by this rule.
    """
    settings = ruleset.channel_caps
    if not settings.enabled or facts.purpose not in settings.purposes:
        return RuleCheck([], None)
    cap = settings.limit_for(facts.channel)
    if cap is None:
        return RuleCheck([], None)
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    window = timedelta(days=cap.window_days)
    start = now - window
    channel = facts.channel
    sent = [
        r.at
        for r in facts.history
        if r.channel == channel
        and r.direction == "outbound"
        and r.at > start
        and r.outcome not in NOT_SENT_OUTCOMES
    ]
    if len(sent) < cap.max:
        return RuleCheck([], None)
    sent.sort()
    # Room opens when all but max-1 of these have left the window.
    not_before = sent[len(sent) - cap.max] + window
    message = (
        f"{len(sent)} {_NOUNS[channel]} went out between {sent[0]:%Y-%m-%d %H:%M} and "
        f"{sent[-1]:%Y-%m-%d %H:%M} UTC; the cap is {cap.max} per {cap.window_days} days, so "
        f"the next may go out from {not_before:%Y-%m-%d %H:%M:%S} UTC"
    )
    return RuleCheck(
        [
            Reason(
                rule="channel_cap",
                message=message,
                citation=f"Ruleset {ruleset.name}: channel_caps.{channel}",
            )
        ],
        not_before,
    )
