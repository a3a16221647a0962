"""Chat: a web-chat session the consumer opened and authenticated, through every rule.

No express consent is needed (the consumer opened the session); quiet hours hold everything
except a reply to what the consumer just wrote; no cap applies; call frequency is for calls;
every hold applies as on any channel. Each table runs under both bundled rulesets, because
all of this is ruleset data rather than code.
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rulesets import FIRST_PARTY, REG_F

from policies import (
    PURPOSES,
    ConsentState,
    ContactFacts,
    ContactRecord,
    Outcome,
    Ruleset,
    evaluate,
)

BOTH_RULESETS = pytest.mark.parametrize("ruleset", [REG_F, FIRST_PARTY], ids=lambda r: r.name)
# Every kind of US zone: with and without DST, from Guam (UTC+10) to Adak (UTC-10/-9).
ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "America/Adak",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "Pacific/Guam",
)
# Winter, summer, and the two nights US clocks change (spring forward, fall back).
NIGHTS = (date(2024, 1, 15), date(2024, 7, 15), date(2024, 3, 9), date(2024, 11, 2))
NEW_YORK = "America/New_York"
# 13:00 in New York.
DAY = datetime(2024, 1, 15, 18, tzinfo=UTC)


def _local(day: date, hour: int, zone: str) -> datetime:
    return datetime.combine(day, time(hour), ZoneInfo(zone))


def _chat(zone: str = NEW_YORK, **overrides: Any) -> ContactFacts:
    # No consent on record: nothing asks for one before a consumer opens a chat session.
    fields: dict[str, Any] = {
        "channel": "chat",
        "purpose": "collection",
        "consent": ConsentState.MISSING,
        "timezones": (zone,),
    }
    return ContactFacts(**(fields | overrides))


@BOTH_RULESETS
@pytest.mark.parametrize(
    ("consent", "outcome", "rules"),
    [
        (ConsentState.MISSING, Outcome.ALLOW, []),
        (ConsentState.GRANTED, Outcome.ALLOW, []),
        # STOP typed in the chat is an electronic opt-out (12 CFR 1006.6(e)).
        (ConsentState.REVOKED, Outcome.BLOCK, ["opted_out"]),
    ],
)
@pytest.mark.parametrize("purpose", PURPOSES)
def test_chat_needs_no_express_consent(
    ruleset: Ruleset, consent: ConsentState, outcome: Outcome, rules: list[str], purpose: str
) -> None:
    decision = evaluate(_chat(consent=consent, purpose=purpose), DAY, ruleset)
    assert decision.outcome is outcome
    assert [r.rule for r in decision.reasons] == rules


@BOTH_RULESETS
@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("night", NIGHTS, ids=str)
@pytest.mark.parametrize("purpose", ["collection", "validation_notice", "transactional"])
def test_a_chat_message_at_23_local_waits_for_08_local(
    ruleset: Ruleset, zone: str, night: date, purpose: str
) -> None:
    decision = evaluate(_chat(zone, purpose=purpose), _local(night, 23, zone), ruleset)
    assert decision.outcome is Outcome.DEFER
    assert decision.not_before == _local(night + timedelta(days=1), 8, zone)
    assert [r.rule for r in decision.reasons] == ["quiet_hours"]


@BOTH_RULESETS
@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(
    ("minutes_ago", "allowed"),
    [
        pytest.param(0, True, id="the consumer is typing right now"),
        pytest.param(10, True, id="10 minutes after the consumer wrote"),
        pytest.param(30, True, id="at the end of the 30-minute grace"),
        pytest.param(31, False, id="a minute after the grace"),
        pytest.param(240, False, id="hours after the consumer wrote"),
        pytest.param(None, False, id="the consumer never wrote"),
        pytest.param(-5, False, id="an inbound message dated after now"),
    ],
)
def test_a_chat_reply_at_night_goes_out_only_within_the_grace(
    ruleset: Ruleset, zone: str, minutes_ago: int | None, allowed: bool
) -> None:
    night = NIGHTS[0]
    now = _local(night, 23, zone)
    last = None if minutes_ago is None else now - timedelta(minutes=minutes_ago)
    decision = evaluate(_chat(zone, purpose="reply", last_inbound_at=last), now, ruleset)
    if allowed:
        assert (decision.outcome, decision.reasons) == (Outcome.ALLOW, ())
    else:
        assert decision.outcome is Outcome.DEFER
        assert decision.not_before == _local(night + timedelta(days=1), 8, zone)
        assert [r.rule for r in decision.reasons] == ["quiet_hours"]


@pytest.mark.parametrize(
    ("ruleset", "flags", "purpose", "rules"),
    [
        (REG_F, {"do_not_contact": True}, "reply", ["do_not_contact"]),
        (REG_F, {"cease_communication": True}, "collection", ["cease_communication"]),
        (REG_F, {"cease_communication": True}, "reply", ["cease_communication"]),
        (REG_F, {"cease_communication": True}, "transactional", []),
        (REG_F, {"disputed": True}, "collection", ["dispute_hold"]),
        (REG_F, {"disputed": True, "validation_recorded": True}, "collection", []),
        (REG_F, {"attorney_represented": True}, "reply", ["attorney_represented"]),
        (FIRST_PARTY, {"do_not_contact": True}, "collection", ["do_not_contact"]),
        (FIRST_PARTY, {"cease_communication": True}, "reply", ["cease_communication"]),
        (FIRST_PARTY, {"attorney_represented": True}, "reply", ["attorney_represented"]),
        # Creditors are not bound by the FDCPA's dispute hold, on chat as anywhere.
        (FIRST_PARTY, {"disputed": True}, "collection", []),
    ],
    ids=lambda value: value.name if isinstance(value, Ruleset) else None,
)
def test_holds_block_chat(
    ruleset: Ruleset, flags: dict[str, Any], purpose: str, rules: list[str]
) -> None:
    decision = evaluate(_chat(purpose=purpose, **flags), DAY, ruleset)
    assert decision.outcome is (Outcome.BLOCK if rules else Outcome.ALLOW)
    assert [r.rule for r in decision.reasons] == rules


@BOTH_RULESETS
@pytest.mark.parametrize("hold", ["do_not_contact", "cease_communication", "attorney_represented"])
def test_a_hold_blocks_even_a_reply_within_the_grace(ruleset: Ruleset, hold: str) -> None:
    now = _local(NIGHTS[0], 23, NEW_YORK)
    held: dict[str, Any] = {hold: True}
    facts = _chat(purpose="reply", last_inbound_at=now - timedelta(minutes=1), **held)
    decision = evaluate(facts, now, ruleset)
    assert decision.outcome is Outcome.BLOCK
    assert [r.rule for r in decision.reasons] == [hold]


def _outbound(channel: str, count: int, outcome: str = "delivered") -> tuple[ContactRecord, ...]:
    return tuple(
        ContactRecord(channel, "outbound", DAY - timedelta(minutes=10 * (i + 1)), outcome)
        for i in range(count)
    )


@BOTH_RULESETS
@pytest.mark.parametrize(
    "history",
    [
        pytest.param(_outbound("chat", 200), id="200 chat messages in the last day and a half"),
        pytest.param(
            (*_outbound("sms", 10), *_outbound("email", 10)),
            id="the text and email caps used up",
        ),
        pytest.param(
            (*_outbound("voice", 7, "no_answer"), *_outbound("voice", 1, "conversation")),
            id="7 calls and a conversation today: call frequency is for calls",
        ),
    ],
)
def test_caps_and_call_frequency_never_hold_back_chat(
    ruleset: Ruleset, history: tuple[ContactRecord, ...]
) -> None:
    decision = evaluate(_chat(history=history), DAY, ruleset)
    assert (decision.outcome, decision.reasons) == (Outcome.ALLOW, ())
