"""Call frequency, 12 CFR 1006.14(b)(2)(i)(A): 7 call attempts in 7 days; and the ruleset
settings of both call-frequency limits (the one after a conversation is in
test_policies_call_after_conversation.py).

Row ids starting with "suppl-I" restate, with concrete dates, the situations the official
interpretations illustrate (12 CFR part 1006, Supplement I, comments to 1006.14(b)(2)-(3)):
seven calls in seven days, unconnected calls.
March 2026: Monday the 2nd; US DST starts Sunday the 8th; Monday the 9th.
"""

from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from call_frequency_helpers import (
    ATTEMPTS,
    CHICAGO,
    CONVERSATION,
    at,
    call,
    calls,
    check,
    rules,
    voice_facts,
)
from rulesets import FIRST_PARTY, REG_F

from policies import ContactRecord
from policies.call_frequency import check_call_frequency
from policies.ruleset import Ruleset


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
    result = check(history, now)
    assert rules(result) == expected
    assert result.not_before == not_before


def test_attempts_message_names_the_calls_and_the_zone() -> None:
    (reason,) = check(calls(2, 3, 4, 5, 6, 7, 8), at(8, 15)).reasons
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
    result = check(history, now, ruleset)
    assert rules(result) == expected
    assert result.not_before == not_before


@pytest.mark.parametrize("purpose", ["collection", "validation_notice", "transactional", "reply"])
def test_every_purpose_of_a_call_is_limited_by_default(purpose: str) -> None:
    result = check(calls(2, 2, 2, 2, 2, 2, 2), at(2, 17), purpose=purpose)
    assert rules(result) == [ATTEMPTS]


@pytest.mark.parametrize("channel", ["sms", "email", "chat"])
def test_only_calls_are_limited(channel: str) -> None:
    assert check(calls(2, 2, 2, 2, 2, 2, 2), at(2, 17), channel=channel).passed


def test_naive_now_raises() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        check_call_frequency(voice_facts(calls(2)), datetime(2026, 3, 2, 12), REG_F)
