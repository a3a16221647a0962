"""The window, instants and facts shared by the quiet-hours tests
(test_policies_quiet_hours*.py)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rulesets import REG_F

from policies import ConsentState, ContactFacts

NEW_YORK = ZoneInfo("America/New_York")
# 08:00-21:00, Regulation F's presumption, as the bundled ruleset spells it out.
WINDOW = REG_F.quiet_hours.window


def voice_facts(*zones: str) -> ContactFacts:
    return ContactFacts(
        channel="voice", purpose="collection", consent=ConsentState.GRANTED, timezones=zones
    )


def utc(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
