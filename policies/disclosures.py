"""What a message must say and must not say, read from the ruleset's `disclosures` section.

The gateway checks templates at load with `required_disclosures` and `missing_sentences`, adds
a missing disclosure to a conversation's message with `add_disclosures`, and the engine
blocks a message whose rendered text still lacks one with `check_message`. Reasons never
quote the message: it may hold the consumer's personal data.
"""

from __future__ import annotations

from policies.decision import Reason
from policies.facts import ContactFacts, MessageFacts
from policies.rule_settings import Disclosure, flatten
from policies.ruleset import Ruleset

__all__ = [
    "add_disclosures",
    "check_message",
    "limited_content_violations",
    "missing_sentences",
    "required_disclosures",
]

LIMITED_CONTENT_CITATION = "12 CFR 1006.2(j)"
TIME_BARRED_CITATION = "12 CFR 1006.26(b)"


def required_disclosures(
    ruleset: Ruleset,
    kind: str,
    initial: bool,
    channel: str,
    extra: tuple[Disclosure, ...] = (),
) -> tuple[Disclosure, ...]:
    """The disclosures a message of `kind` on `channel` must carry, each once, in order.

    The kind's own (as the initial or a subsequent communication), then the electronic ones
    of the channel, then `extra` (a state overlay's, which its caller decided apply, so they
    count even when the ruleset's disclosures are disabled). ValueError for an unknown kind.
    """
    settings = ruleset.disclosures
    own = settings.for_kind(kind, initial)  # raises for an unknown kind, enabled or not
    if not settings.enabled:
        return _unique(extra)
    return _unique((*own, *settings.electronic.required_on(channel, kind), *extra))


def missing_sentences(text: str, required: tuple[Disclosure, ...]) -> tuple[Disclosure, ...]:
    """The disclosures of `required` that `text` does not carry, in their order."""
    flat = flatten(text)
    return tuple(d for d in required if d.pattern.search(flat) is None)


def add_disclosures(text: str, required: tuple[Disclosure, ...]) -> str:
    """`text` with the sentence of each missing disclosure appended; unchanged if none is."""
    missing = missing_sentences(text, required)
    if not missing:
        return text
    return " ".join(part for part in (text.rstrip(), *(d.text for d in missing)) if part)


def limited_content_violations(ruleset: Ruleset, channel: str, text: str) -> tuple[str, ...]:
    """What makes `text` on `channel` more than a limited-content message, by name.

    A channel the ruleset does not allow such messages on, then each forbidden disclosure and
    each forbidden content found. Empty when the ruleset's disclosures are disabled.
    """
    settings = ruleset.disclosures
    if not settings.enabled:
        return ()
    limited = settings.limited_content
    found = [] if channel in limited.channels else [f"channel {channel}"]
    flat = flatten(text)
    found.extend(d.name for d in limited.forbidden if d.pattern.search(flat))
    found.extend(c.name for c in limited.forbidden_content if c.present_in(text))
    return tuple(found)


def check_message(
    facts: ContactFacts, ruleset: Ruleset, extra: tuple[Disclosure, ...] = ()
) -> list[Reason]:
    """Blocking reasons against the text of `facts.message`; [] without a message.

    `disclosure_missing` when a required disclosure is absent, `limited_content` when a
    limited-content message carries more than it may, and `time_barred_threat` when a
    template that may threaten suit goes to a time-barred account.
    """
    message = facts.message
    if message is None:
        return []
    reasons = []
    required = required_disclosures(ruleset, message.kind, message.initial, facts.channel, extra)
    missing = missing_sentences(message.text, required)
    if missing:
        reasons.append(
            Reason(
                rule="disclosure_missing",
                message=f"the {_described(message, facts.channel)} lacks the required "
                f"disclosure(s): {', '.join(d.name for d in missing)}",
                citation="; ".join(dict.fromkeys(d.citation for d in missing)),
            )
        )
    if message.kind == "limited_content":
        found = limited_content_violations(ruleset, facts.channel, message.text)
        if found:
            reasons.append(
                Reason(
                    rule="limited_content",
                    message="a limited-content message must carry nothing more than its "
                    f"permitted content; this one has: {', '.join(found)}",
                    citation=LIMITED_CONTENT_CITATION,
                )
            )
    if facts.time_barred and message.threatens_legal_action and ruleset.time_barred.enabled:
        reasons.append(
            Reason(
                rule="time_barred_threat",
                message="the debt is time-barred and the template may threaten legal action",
                citation=TIME_BARRED_CITATION,
            )
        )
    return reasons


def _described(message: MessageFacts, channel: str) -> str:
    when = "initial" if message.initial else "subsequent"
    return f"{when} {message.kind} message on {channel}"


def _unique(disclosures: tuple[Disclosure, ...]) -> tuple[Disclosure, ...]:
    # By name: a state overlay may repeat a federal disclosure, which is carried once.
    seen: dict[str, Disclosure] = {}
    for disclosure in disclosures:
        seen.setdefault(disclosure.name, disclosure)
    return tuple(seen.values())
