from datetime import UTC, datetime, timedelta, timezone

import pytest

from policies import Decision, Outcome, Reason

REASON = Reason(rule="quiet_hours", message="21:30 in America/New_York", citation="12 CFR 1006.6")


def test_reason_to_dict() -> None:
    assert REASON.to_dict() == {
        "rule": "quiet_hours",
        "message": "21:30 in America/New_York",
        "citation": "12 CFR 1006.6",
    }


@pytest.mark.parametrize(
    ("not_before", "expected"),
    [
        (datetime(2024, 3, 10, 12, 0, tzinfo=UTC), "2024-03-10T12:00:00Z"),
        (datetime(2024, 3, 10, 12, 0, 5, tzinfo=timezone(timedelta(0))), "2024-03-10T12:00:05Z"),
        # Rounded up so the named instant is never earlier than the real one.
        (datetime(2024, 3, 10, 11, 59, 59, 1, tzinfo=UTC), "2024-03-10T12:00:00Z"),
    ],
)
def test_defer_to_dict_formats_not_before_as_utc_seconds(
    not_before: datetime, expected: str
) -> None:
    decision = Decision(outcome=Outcome.DEFER, not_before=not_before, reasons=(REASON,))
    assert decision.to_dict() == {
        "outcome": "defer",
        "not_before": expected,
        "reasons": [REASON.to_dict()],
        "warnings": [],
    }


@pytest.mark.parametrize(
    ("outcome", "reasons", "allowed"),
    [
        (Outcome.ALLOW, (), True),
        (Outcome.BLOCK, (REASON,), False),
    ],
)
def test_allow_and_block_have_no_not_before(
    outcome: Outcome, reasons: tuple[Reason, ...], allowed: bool
) -> None:
    decision = Decision(outcome=outcome, not_before=None, reasons=reasons)
    assert decision.allowed is allowed
    assert decision.to_dict() == {
        "outcome": outcome.value,
        "not_before": None,
        "reasons": [r.to_dict() for r in reasons],
        "warnings": [],
    }


def test_warnings_go_with_an_allowed_decision() -> None:
    decision = Decision(outcome=Outcome.ALLOW, not_before=None, reasons=(), warnings=(REASON,))
    assert decision.allowed is True
    assert decision.to_dict()["warnings"] == [REASON.to_dict()]


def test_defer_is_not_allowed() -> None:
    decision = Decision(
        outcome=Outcome.DEFER, not_before=datetime(2024, 1, 1, tzinfo=UTC), reasons=(REASON,)
    )
    assert decision.allowed is False


@pytest.mark.parametrize(
    ("outcome", "not_before"),
    [
        (Outcome.DEFER, None),
        (Outcome.ALLOW, datetime(2024, 1, 1, tzinfo=UTC)),
        (Outcome.BLOCK, datetime(2024, 1, 1, tzinfo=UTC)),
        (Outcome.DEFER, datetime(2024, 1, 1)),
        (Outcome.DEFER, datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=-5)))),
    ],
)
def test_inconsistent_not_before_is_rejected(outcome: Outcome, not_before: datetime | None) -> None:
    with pytest.raises(ValueError, match="not_before"):
        Decision(outcome=outcome, not_before=not_before, reasons=(REASON,))


def test_outcome_values_are_the_api_strings() -> None:
    assert [o.value for o in Outcome] == ["allow", "defer", "block"]
