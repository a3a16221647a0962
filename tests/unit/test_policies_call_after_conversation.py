"""Call frequency, 12 CFR 1006.14(b)(2)(i)(B): no call within 7 days after a telephone
conversation, its own day being day 1, counted in local days across clock changes and in every
zone the consumer may be in.

Row ids starting with "suppl-I" restate, with concrete dates, the situations the official
interpretations illustrate (12 CFR part 1006, Supplement I, comments to 1006.14(b)(2)-(3)):
the day of a conversation as day 1.
March 2026: Monday the 2nd; US DST starts Sunday the 8th; Monday the 9th.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

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
    utc,
)

from policies import ContactRecord

NEW_YORK = ZoneInfo("America/New_York")


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
    result = check(history, now)
    assert rules(result) == expected
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
    result = check(history, now, timezones=(zone,))
    assert result.not_before == not_before
    # not_before is the first instant of day 8 there: 7 local days after the conversation's.
    local = result.not_before.astimezone(tz)
    assert local.date() == conversation.date() + timedelta(days=7)
    assert (result.not_before - timedelta(seconds=1)).astimezone(tz).date() < local.date()


def test_several_zones_wait_for_the_last_one() -> None:
    # The consumer called in at 00:30 Tuesday New York time, 21:30 Monday Los Angeles time.
    conversation = datetime(2026, 3, 3, 0, 30, tzinfo=NEW_YORK)
    result = check(
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
