"""The quiet-hours rule as a ruleset configures it: the channels it covers, the window, and
the grace for a reply to a consumer who is writing now."""

from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from quiet_hours_helpers import NEW_YORK, utc
from rulesets import FIRST_PARTY, REG_F

from policies import ConsentState, ContactFacts
from policies.quiet_hours import QuietHours, check_quiet_hours_rule
from policies.rule_settings import QuietHoursSettings, ReplySettings
from policies.ruleset import Ruleset

# 21:10 in New York.
LATE = datetime(2024, 1, 15, 21, 10, tzinfo=NEW_YORK)
MORNING = utc(2024, 1, 16, 13)


def _reply(
    channel: str = "sms", purpose: str = "reply", minutes_ago: float | None = 5
) -> ContactFacts:
    return ContactFacts(
        channel=channel,
        purpose=purpose,
        consent=ConsentState.GRANTED,
        timezones=("America/New_York",),
        last_inbound_at=None if minutes_ago is None else LATE - timedelta(minutes=minutes_ago),
    )


@pytest.mark.parametrize(
    ("facts", "not_before"),
    [
        pytest.param(_reply(minutes_ago=5), None, id="consumer wrote 5 minutes ago"),
        pytest.param(_reply(minutes_ago=0), None, id="consumer is writing right now"),
        pytest.param(_reply(minutes_ago=30), None, id="exactly at the end of the grace"),
        pytest.param(_reply(minutes_ago=30.01), MORNING, id="just after the grace"),
        pytest.param(_reply(minutes_ago=120), MORNING, id="consumer wrote 2 hours ago"),
        pytest.param(_reply(minutes_ago=None), MORNING, id="no inbound message on record"),
        pytest.param(_reply(minutes_ago=-1), MORNING, id="inbound dated after now"),
        pytest.param(_reply(channel="email"), None, id="email replies too"),
        pytest.param(_reply(channel="chat"), None, id="chat replies too"),
        pytest.param(_reply(channel="chat", minutes_ago=31), MORNING, id="chat after the grace"),
        pytest.param(_reply(channel="chat", purpose="collection"), MORNING, id="chat collection"),
        pytest.param(_reply(channel="voice"), MORNING, id="no grace for calls"),
        pytest.param(_reply(purpose="collection"), MORNING, id="only purpose reply"),
        pytest.param(_reply(purpose="transactional"), MORNING, id="not transactional either"),
    ],
)
def test_reply_grace_during_quiet_hours(facts: ContactFacts, not_before: datetime | None) -> None:
    result = check_quiet_hours_rule(facts, LATE, REG_F)
    assert result.not_before == not_before
    assert result.passed is (not_before is None)


def _with(**changes: Any) -> Ruleset:
    return replace(REG_F, **changes)


@pytest.mark.parametrize(
    ("ruleset", "facts", "passed"),
    [
        pytest.param(
            _with(reply=ReplySettings(True, 0, frozenset({"sms"}))),
            _reply(minutes_ago=1),
            False,
            id="grace of 0 minutes",
        ),
        pytest.param(
            _with(reply=ReplySettings(True, 240, frozenset({"sms"}))),
            _reply(minutes_ago=120),
            True,
            id="grace of 4 hours",
        ),
        pytest.param(
            _with(reply=ReplySettings(False, 30, frozenset({"sms"}))),
            _reply(minutes_ago=1),
            False,
            id="reply rule disabled",
        ),
        pytest.param(
            _with(quiet_hours=QuietHoursSettings(True, QuietHours(), frozenset({"voice", "sms"}))),
            _reply(channel="email", purpose="collection"),
            True,
            id="channel not subject to quiet hours",
        ),
        pytest.param(
            _with(quiet_hours=QuietHoursSettings(False, QuietHours(), frozenset({"sms"}))),
            _reply(purpose="collection"),
            True,
            id="quiet hours disabled",
        ),
        pytest.param(
            _with(
                quiet_hours=QuietHoursSettings(
                    True, QuietHours(time(8), time(22)), frozenset({"sms"})
                )
            ),
            _reply(purpose="collection"),
            True,
            id="window is a setting",
        ),
        pytest.param(
            FIRST_PARTY,
            _reply(purpose="collection"),
            False,
            id="first-party creditors keep quiet hours",
        ),
    ],
)
def test_rule_follows_the_ruleset(ruleset: Ruleset, facts: ContactFacts, passed: bool) -> None:
    assert check_quiet_hours_rule(facts, LATE, ruleset).passed is passed
