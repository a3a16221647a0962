"""Call frequency, 12 CFR 1006.14(b)(2): 7 attempts in 7 days, and 7 days after a conversation.

Row ids starting with "suppl-I" restate, with concrete dates, the situations the official
interpretations illustrate (12 CFR part 1006, Supplement I, comments to 1006.14(b)(2)-(3)):
seven calls in seven days, the day of a conversation as day 1, unconnected calls.
March 2026: Monday the 2nd; US DST starts Sunday the 8th; Monday the 9th.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rulesets import FIRST_PARTY, REG_F

from policies import ConsentState, ContactFacts, ContactRecord
from policies.call_frequency import check_call_frequency
from policies.decision import RuleCheck
from policies.ruleset import Ruleset

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
ATTEMPTS = ("call_frequency_7in7", "12 CFR 1006.14(b)(2)(i)(A)")
CONVERSATION = ("call_after_conversation", "12 CFR 1006.14(b)(2)(i)(B)")


def at(day: int, hour: int = 10, minute: int = 0, zone: ZoneInfo = CHICAGO) -> datetime:
    """An instant in March 2026, local to `zone`."""
    return datetime(2026, 3, day, hour, minute, tzinfo=zone)


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def call(when: datetime, outcome: str = "no_answer", direction: str = "outbound") -> ContactRecord:
    return ContactRecord(channel="voice", direction=direction, at=when, outcome=outcome)


def calls(*days: int, outcome: str = "no_answer") -> tuple[ContactRecord, ...]:
    return tuple(call(at(day, 9 + i % 10), outcome) for i, day in enumerate(days))


def _facts(history: tuple[ContactRecord, ...], **overrides: Any) -> ContactFacts:
    fields: dict[str, Any] = {
        "channel": "voice",
        "purpose": "collection",
        "consent": ConsentState.GRANTED,
        "timezones": ("America/Chicago",),
        "history": history,
    }
    return ContactFacts(**(fields | overrides))


def _check(
    history: tuple[ContactRecord, ...], now: datetime, ruleset: Ruleset = REG_F, **overrides: Any
) -> RuleCheck:
    facts = _facts(history, **overrides)
    result = check_call_frequency(facts, now, ruleset)
    if result.not_before is not None:
        # A defer's not_before is itself allowed by this rule, and the instant before is not.
        assert result.not_before > now
        assert check_call_frequency(facts, result.not_before, ruleset).passed
        assert not check_call_frequency(
            facts, result.not_before - timedelta(seconds=1), ruleset
        ).passed
    return result


def _rules(result: RuleCheck) -> list[tuple[str, str]]:
    return [(r.rule, r.citation) for r in result.reasons]


@pytest.mark.parametrize(
    ("history", "now", "expected", "not_before"),
    [
        pytest.param(
            calls(2, 3, 4, 5, 6, 7, 8),
            at(8, 15),
            [ATTEMPTS],
            at(9, 0),
            id="suppl-I-14(b)(2)(i)(A): a call a day Mon-Sun, an 8th on Sunday waits for Monday",
        ),
        pytest.param(
            calls(2, 3, 4, 5, 6, 7, 8),
            at(9, 0),
            [],
            None,
            id="suppl-I-14(b)(2)(i)(A): the 8th call on day 8 complies",
        ),
        pytest.param(
            calls(2, 2, 2, 3, 3, 3, 3),
            at(4),
            [ATTEMPTS],
            at(9, 0),
            id="suppl-I-14(b)(2)(i)(A): 3 calls Monday and 4 Tuesday, next call the next Monday",
        ),
        pytest.param(
            calls(2, 2, 2, 2, 2, 2, 2),
            at(2, 17),
            [ATTEMPTS],
            at(9, 0),
            id="seven calls on one Monday: no more until the following Monday",
        ),
        pytest.param(
            calls(2, 3, 4, 5, 6, 7),
            at(8, 20),
            [],
            None,
            id="suppl-I-14(b)(2)(i)(A): 7 calls within 7 days comply, so the 7th is allowed",
        ),
        pytest.param(
            calls(2, 5, 5, 5, 5, 5, 5),
            at(6),
            [ATTEMPTS],
            at(9, 0),
            id="rolling window: waits until the oldest of the 7 leaves it",
        ),
        pytest.param(
            tuple(call(datetime(2026, 2, 23, 9 + i, tzinfo=CHICAGO)) for i in range(7)),
            at(2, 0),
            [],
            None,
            id="calls 7 days back are out of the window",
        ),
        pytest.param(
            (
                call(at(2), "no_answer"),
                call(at(3), "voicemail"),
                call(at(4), "busy"),
                call(at(5), "failed"),
                call(at(6), "voicemail"),
                call(at(7), "no_answer"),
                call(at(7, 11), "busy"),
            ),
            at(7, 15),
            [ATTEMPTS],
            at(9, 0),
            id="every outbound call is an attempt whatever its outcome (default ruleset)",
        ),
        pytest.param(
            tuple(call(at(d), "no_answer", "inbound") for d in (2, 3, 4, 5, 6, 7, 8)),
            at(8, 12),
            [],
            None,
            id="inbound calls are not attempts",
        ),
        pytest.param(
            tuple(
                ContactRecord(channel=ch, direction="outbound", at=at(d), outcome="delivered")
                for ch in ("sms", "email")
                for d in (2, 3, 4, 5, 6, 7, 8)
            ),
            at(8, 12),
            [],
            None,
            id="texts and emails are not telephone calls",
        ),
        pytest.param(
            (call(at(1, 23, 30)), *calls(2, 3, 4, 5, 6, 7)),
            at(7, 20),
            [ATTEMPTS],
            datetime(2026, 3, 8, 0, 0, tzinfo=CHICAGO),
            id="days are local: 23:30 Sunday Chicago (05:30Z Monday) is day Mar 1",
        ),
        pytest.param(
            (call(at(1, 23, 30)), *calls(2, 3, 4, 5, 6, 7)),
            datetime(2026, 3, 8, 0, 30, tzinfo=CHICAGO),
            [],
            None,
            id="days are local: on Mar 8 that Sunday-night call has left the window",
        ),
        pytest.param(
            calls(9, 10, 11, 12, 13, 14, 15),
            at(3),
            [ATTEMPTS],
            at(16, 0),
            id="events dated after now are counted (fail closed)",
        ),
    ],
)
def test_seven_attempts_in_seven_days(
    history: tuple[ContactRecord, ...],
    now: datetime,
    expected: list[tuple[str, str]],
    not_before: datetime | None,
) -> None:
    result = _check(history, now)
    assert _rules(result) == expected
    assert result.not_before == not_before


@pytest.mark.parametrize(
    ("history", "now", "expected", "not_before"),
    [
        pytest.param(
            (call(at(2, 14), "conversation"),),
            at(3),
            [CONVERSATION],
            at(9, 0),
            id="suppl-I-14(b)(2)(i)(B): conversation Monday, no call again until the next Monday",
        ),
        pytest.param(
            (call(at(2, 14), "conversation"),),
            at(2, 16),
            [CONVERSATION],
            at(9, 0),
            id="suppl-I-14(b)(2)(i)(B): the conversation's own day is day 1",
        ),
        pytest.param(
            (call(at(2, 14), "conversation"),),
            datetime(2026, 3, 8, 23, 59, 59, tzinfo=CHICAGO),
            [CONVERSATION],
            at(9, 0),
            id="suppl-I-14(b)(2)(i)(B): day 7 (Sunday) is still inside the period",
        ),
        pytest.param(
            (call(at(2, 14), "conversation"),),
            at(9, 0),
            [],
            None,
            id="suppl-I-14(b)(2)(i)(B): day 8 (the next Monday) is free",
        ),
        pytest.param(
            (call(at(2, 14), "conversation", "inbound"),),
            at(4),
            [CONVERSATION],
            at(9, 0),
            id="a conversation the consumer started by calling in counts too",
        ),
        pytest.param(
            (call(at(2, 14), "voicemail"), call(at(2, 15), "no_answer")),
            at(3),
            [],
            None,
            id="a voicemail or an unanswered call is not a conversation",
        ),
        pytest.param(
            (ContactRecord("sms", "inbound", at(2, 14), "conversation"),),
            at(3),
            [],
            None,
            id="only telephone conversations count",
        ),
        pytest.param(
            (call(at(2, 14), "conversation"), call(at(5, 11), "conversation", "inbound")),
            at(6),
            [CONVERSATION],
            at(12, 0),
            id="the latest conversation sets the period",
        ),
        pytest.param(
            (
                call(at(2, 14), "conversation"),
                *calls(2, 2, 3, 3, 4, 4),
            ),
            at(4, 17),
            [ATTEMPTS, CONVERSATION],
            at(9, 0),
            id="both limits reached: both reasons",
        ),
        pytest.param(
            (call(datetime(2026, 2, 20, 14, tzinfo=CHICAGO), "conversation"),),
            at(2),
            [],
            None,
            id="conversations older than the period do not matter",
        ),
    ],
)
def test_no_call_within_seven_days_after_a_conversation(
    history: tuple[ContactRecord, ...],
    now: datetime,
    expected: list[tuple[str, str]],
    not_before: datetime | None,
) -> None:
    result = _check(history, now)
    assert _rules(result) == expected
    assert result.not_before == not_before


@pytest.mark.parametrize(
    ("zone", "conversation", "not_before"),
    [
        # New York springs forward at 02:00 on Sunday 2026-03-08.
        ("America/New_York", datetime(2026, 3, 1, 12), utc(3, 8, 5)),
        ("America/New_York", datetime(2026, 3, 2, 12), utc(3, 9, 4)),
        # ...and falls back at 02:00 on Sunday 2026-11-01.
        ("America/New_York", datetime(2026, 10, 25, 12), utc(11, 1, 4)),
        ("America/New_York", datetime(2026, 10, 26, 12), utc(11, 2, 5)),
        ("America/Phoenix", datetime(2026, 3, 2, 12), utc(3, 9, 7)),
        # Cuba and Chile change clocks at midnight: day 8 starts when the clocks jump forward,
        # or after the repeated hour of the evening before when they fall back.
        ("America/Havana", datetime(2026, 3, 1, 12), utc(3, 8, 5)),
        ("America/Santiago", datetime(2026, 8, 30, 12), utc(9, 6, 4)),
        ("America/Santiago", datetime(2026, 3, 29, 12), utc(4, 5, 4)),
    ],
)
def test_dst_transitions(zone: str, conversation: datetime, not_before: datetime) -> None:
    tz = ZoneInfo(zone)
    history = (call(conversation.replace(tzinfo=tz), "conversation"),)
    now = conversation.replace(tzinfo=tz) + timedelta(hours=1)
    result = _check(history, now, timezones=(zone,))
    assert result.not_before == not_before
    # not_before is the first instant of day 8 there: 7 local days after the conversation's.
    local = result.not_before.astimezone(tz)
    assert local.date() == conversation.date() + timedelta(days=7)
    assert (result.not_before - timedelta(seconds=1)).astimezone(tz).date() < local.date()


def test_several_zones_wait_for_the_last_one() -> None:
    # The consumer called in at 00:30 Tuesday New York time, 21:30 Monday Los Angeles time.
    conversation = datetime(2026, 3, 3, 0, 30, tzinfo=NEW_YORK)
    result = _check(
        (call(conversation, "conversation", "inbound"),),
        conversation + timedelta(hours=12),
        timezones=(),
        phones=("+14155550123",),
        postal_code="10001",
    )
    # In Los Angeles day 8 starts Monday 9th; in New York it starts Tuesday 10th.
    assert result.not_before == datetime(2026, 3, 10, 0, 0, tzinfo=NEW_YORK)
    (reason,) = result.reasons
    assert reason.message == (
        "A telephone conversation took place on 2026-03-03 (America/New_York); no call may be "
        "placed within 7 days after it, counting that day as day 1, so the next call may be "
        "placed from 2026-03-10 00:00 (America/New_York)"
    )


def test_attempts_message_names_the_calls_and_the_zone() -> None:
    (reason,) = _check(calls(2, 3, 4, 5, 6, 7, 8), at(8, 15)).reasons
    assert reason.message == (
        "7 calls were placed between 2026-03-02 and 2026-03-08 (America/Chicago); no more than "
        "7 call attempts are allowed within 7 consecutive days, so the next call may be placed "
        "from 2026-03-09 00:00 (America/Chicago)"
    )


def _custom(**settings: Any) -> Ruleset:
    return replace(REG_F, call_frequency=replace(REG_F.call_frequency, **settings))


@pytest.mark.parametrize(
    ("ruleset", "history", "now", "expected", "not_before"),
    [
        pytest.param(
            _custom(count_unconnected=False),
            (*calls(2, 3, 4, 5, 6), call(at(7), "busy"), call(at(7, 11), "failed")),
            at(7, 15),
            [],
            None,
            id="suppl-I-14(b)(3)(ii): busy and failed calls may go uncounted",
        ),
        pytest.param(
            _custom(count_unconnected=False),
            (*calls(2, 3, 4, 5, 6), call(at(7), "voicemail"), call(at(7, 11), "conversation")),
            at(7, 15),
            [ATTEMPTS, CONVERSATION],
            at(14, 0),
            id="voicemails and answered calls connected, so they still count",
        ),
        pytest.param(
            _custom(max_attempts=3, window_days=2),
            calls(5, 6, 6),
            at(6, 15),
            [ATTEMPTS],
            at(7, 0),
            id="limits are ruleset settings",
        ),
        pytest.param(
            _custom(after_conversation_days=1),
            (call(at(2, 14), "conversation"),),
            at(2, 16),
            [CONVERSATION],
            at(3, 0),
            id="after_conversation_days=1 closes only the day itself",
        ),
        pytest.param(
            _custom(enabled=False),
            calls(2, 2, 2, 2, 2, 2, 2, 2),
            at(2, 17),
            [],
            None,
            id="disabled",
        ),
        pytest.param(
            _custom(purposes=frozenset({"validation_notice"})),
            calls(2, 2, 2, 2, 2, 2, 2, 2),
            at(2, 17),
            [],
            None,
            id="purposes outside the setting are not limited",
        ),
        pytest.param(
            FIRST_PARTY,
            (call(at(2, 14), "conversation"), *calls(2, 2, 2, 2, 2, 2, 2)),
            at(2, 17),
            [],
            None,
            id="first-party creditors are not bound by Regulation F",
        ),
    ],
)
def test_ruleset_settings(
    ruleset: Ruleset,
    history: tuple[ContactRecord, ...],
    now: datetime,
    expected: list[tuple[str, str]],
    not_before: datetime | None,
) -> None:
    result = _check(history, now, ruleset)
    assert _rules(result) == expected
    assert result.not_before == not_before


@pytest.mark.parametrize("purpose", ["collection", "validation_notice", "transactional", "reply"])
def test_every_purpose_of_a_call_is_limited_by_default(purpose: str) -> None:
    result = _check(calls(2, 2, 2, 2, 2, 2, 2), at(2, 17), purpose=purpose)
    assert _rules(result) == [ATTEMPTS]


@pytest.mark.parametrize("channel", ["sms", "email", "chat"])
def test_only_calls_are_limited(channel: str) -> None:
    assert _check(calls(2, 2, 2, 2, 2, 2, 2), at(2, 17), channel=channel).passed


def test_naive_now_raises() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        check_call_frequency(_facts(calls(2)), datetime(2026, 3, 2, 12), REG_F)
