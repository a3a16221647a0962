"""Instants and contact facts shared by the tests of `evaluate` (test_policies_engine*.py)."""

from datetime import UTC, datetime
from typing import Any

from policies import ConsentState, ContactFacts

# 13:00 in New York, 10:00 in Los Angeles: convenient everywhere in the contiguous US.
DAY = datetime(2024, 1, 15, 18, 0, tzinfo=UTC)
# 21:30 in New York.
NIGHT = datetime(2024, 1, 16, 2, 30, tzinfo=UTC)
NEXT_MORNING = datetime(2024, 1, 16, 13, 0, tzinfo=UTC)


def contact_facts(**overrides: Any) -> ContactFacts:
    fields: dict[str, Any] = {
        "channel": "sms",
        "purpose": "collection",
        "consent": ConsentState.GRANTED,
        "timezones": ("America/New_York",),
        # The consumer gave the address: the safe-harbor rules have their own tests.
        "provenance": "consumer_provided",
    }
    return ContactFacts(**(fields | overrides))
