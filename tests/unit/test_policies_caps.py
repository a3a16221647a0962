"""Channel caps: ruleset limits per channel over a rolling window (policy, not law)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rulesets import FIRST_PARTY, REG_F

from policies import CHANNELS, ConsentState, ContactFacts, ContactRecord
from policies.caps import check_channel_caps
from policies.decision import RuleCheck
from policies.rule_settings import ChannelCap
from policies.ruleset import Ruleset

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def sent(
    channel: str, days_ago: float, outcome: str = "delivered", direction: str = "outbound"
) -> ContactRecord:
    return ContactRecord(channel, direction, NOW - timedelta(days=days_ago), outcome)


def _check(
    history: tuple[ContactRecord, ...],
    channel: str = "sms",
    purpose: str = "collection",
    ruleset: Ruleset = REG_F,
    now: datetime = NOW,
) -> RuleCheck:
    facts = ContactFacts(
        channel=channel,
        purpose=purpose,
        consent=ConsentState.GRANTED,
        timezones=("America/Chicago",),
        history=history,
    )
    result = check_channel_caps(facts, now, ruleset)
    if result.not_before is not None:
        assert result.not_before > now
        assert check_channel_caps(facts, result.not_before, ruleset).passed
        assert not check_channel_caps(
            facts, result.not_before - timedelta(microseconds=1), ruleset
        ).passed
    return result


@pytest.mark.parametrize(
    ("history", "channel", "not_before"),
    [
        pytest.param((), "sms", None, id="nothing sent"),
        pytest.param((sent("sms", 1), sent("sms", 2)), "sms", None, id="2 of 3 texts"),
        pytest.param(
            (sent("sms", 1), sent("sms", 2), sent("sms", 6)),
            "sms",
            NOW + timedelta(days=1),
            id="3 texts in 7 days: wait until the oldest leaves the window",
        ),
        pytest.param(
            (sent("sms", 0.5), sent("sms", 1), sent("sms", 2), sent("sms", 3), sent("sms", 6)),
            "sms",
            NOW + timedelta(days=5),
            id="5 texts: wait until only 2 are left in the window",
        ),
        pytest.param(
            (sent("sms", 1), sent("sms", 2), sent("sms", 7)),
            "sms",
            None,
            id="a text exactly 7 days old has left the window",
        ),
        pytest.param(
            (sent("sms", 1), sent("sms", 2), sent("sms", 3, "failed")),
            "sms",
            None,
            id="a failed send never reached the consumer",
        ),
        pytest.param(
            (sent("sms", 1), sent("sms", 2), sent("sms", 3, "undelivered")),
            "sms",
            NOW + timedelta(days=4),
            id="undelivered still counts: the carrier may have delivered it",
        ),
        pytest.param(
            (sent("sms", 1), sent("sms", 2), sent("sms", 3, "delivered", "inbound")),
            "sms",
            None,
            id="the consumer's own messages do not count",
        ),
        pytest.param(
            (sent("sms", 1), sent("sms", 2), sent("email", 3), sent("voice", 3, "voicemail")),
            "sms",
            None,
            id="other channels do not count",
        ),
        pytest.param(
            tuple(sent("email", d) for d in (1, 2, 3, 4)),
            "email",
            None,
            id="4 of 5 emails",
        ),
        pytest.param(
            tuple(sent("email", d, "sent") for d in (1, 2, 3, 4, 5)),
            "email",
            NOW + timedelta(days=2),
            id="5 emails in 7 days",
        ),
        pytest.param(
            tuple(sent("voice", d / 10, "no_answer") for d in range(20)),
            "voice",
            None,
            id="no cap on calls by default (Regulation F limits them)",
        ),
        pytest.param(
            (sent("sms", 1), sent("sms", 2), sent("sms", -1)),
            "sms",
            NOW + timedelta(days=5),
            id="events dated after now count (fail closed)",
        ),
    ],
)
def test_caps(
    history: tuple[ContactRecord, ...], channel: str, not_before: datetime | None
) -> None:
    result = _check(history, channel)
    assert result.not_before == not_before
    if not_before is None:
        assert result.reasons == []
    else:
        (reason,) = result.reasons
        assert reason.rule == "channel_cap"
        assert reason.citation == f"Ruleset reg_f_third_party: channel_caps.{channel}"


THREE_TEXTS = (sent("sms", 1), sent("sms", 2), sent("sms", 6))


@pytest.mark.parametrize(
    ("purpose", "capped"),
    [
        ("collection", True),
        ("validation_notice", False),
        ("transactional", False),
        ("reply", False),
    ],
)
def test_only_collection_messages_are_capped_by_default(purpose: str, capped: bool) -> None:
    assert _check(THREE_TEXTS, purpose=purpose).passed is not capped


def _custom(**settings: Any) -> Ruleset:
    return replace(REG_F, channel_caps=replace(REG_F.channel_caps, **settings))


@pytest.mark.parametrize(
    ("ruleset", "channel", "passed"),
    [
        (_custom(enabled=False), "sms", True),
        (_custom(limits=(ChannelCap("sms", 4, 7),)), "sms", True),
        (_custom(limits=(ChannelCap("sms", 3, 5),)), "sms", True),
        (_custom(limits=(ChannelCap("sms", 3, 7),)), "sms", False),
        (_custom(limits=(ChannelCap("email", 1, 7),)), "sms", True),
        (_custom(purposes=frozenset({"reply"})), "sms", True),
        (FIRST_PARTY, "sms", False),
    ],
)
def test_caps_are_ruleset_settings(ruleset: Ruleset, channel: str, passed: bool) -> None:
    assert _check(THREE_TEXTS, channel, ruleset=ruleset).passed is passed


def test_message_and_citation_name_the_ruleset_setting() -> None:
    (reason,) = _check(THREE_TEXTS).reasons
    assert reason.message == (
        "3 text messages went out between 2026-03-04 15:00 and 2026-03-09 15:00 UTC; the cap is "
        "3 per 7 days, so the next may go out from 2026-03-11 15:00:00 UTC"
    )
    first_party = _check(THREE_TEXTS, ruleset=FIRST_PARTY)
    assert first_party.reasons[0].citation == "Ruleset first_party_creditor: channel_caps.sms"


def test_naive_now_raises() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        _check(THREE_TEXTS, now=datetime(2026, 3, 10, 15))


# --- Chat: a session the consumer opened carries no cap ------------------------------------

BUSY_CHAT = tuple(sent("chat", d / 24) for d in range(50))


@pytest.mark.parametrize("ruleset", [REG_F, FIRST_PARTY], ids=lambda r: r.name)
@pytest.mark.parametrize("purpose", ["collection", "validation_notice", "transactional", "reply"])
def test_caps_never_hold_back_chat(ruleset: Ruleset, purpose: str) -> None:
    assert ruleset.channel_caps.limit_for("chat") is None
    assert _check(BUSY_CHAT, "chat", purpose, ruleset).passed


def test_chat_does_not_count_against_other_channels() -> None:
    assert _check((*BUSY_CHAT, sent("sms", 1), sent("sms", 2)), "sms").passed


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_cap_on_any_channel_explains_itself(channel: str) -> None:
    # A ruleset may cap any channel, chat included; the message must name what went out.
    ruleset = _custom(limits=(ChannelCap(channel, 1, 7),))
    (reason,) = _check((sent(channel, 1),), channel, ruleset=ruleset).reasons
    assert reason.message.startswith("1 ")
    assert reason.citation == f"Ruleset reg_f_third_party: channel_caps.{channel}"
