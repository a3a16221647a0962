"""Which part of an account's contact history the rules can read for one proposed contact."""

from __future__ import annotations

from collections.abc import Iterable

from policies.facts import ContactRecord
from policies.ruleset import Ruleset


def history_read(
    history: Iterable[ContactRecord], channel: str, purpose: str, ruleset: Ruleset
) -> tuple[ContactRecord, ...]:
    """The records the rules read for a contact on ``channel`` for ``purpose``.

    Only two rules read history, each for the contact's own channel: the channel cap (when the
    channel has one and the purpose is capped) and call frequency (calls, for the purposes it
    limits). Deciding on this part gives the decision the whole history gives, and keeps the
    facts recorded with every decision as small as what decided it: a reply in a long text
    conversation carries none.
    """
    caps, calls = ruleset.channel_caps, ruleset.call_frequency
    capped = caps.enabled and purpose in caps.purposes and caps.limit_for(channel) is not None
    counted = calls.enabled and channel == "voice" and purpose in calls.purposes
    if not (capped or counted):
        return ()
    return tuple(record for record in history if record.channel == channel)
