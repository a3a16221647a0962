"""Checking a promised payment's amount and date before the assistant accepts it."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.normalize import (
    FieldError,
    NormalizedPayment,
    NormalizedPaymentDict,
    normalize_payment,
)

TODAY = date(2026, 11, 22)  # a Sunday
BALANCE = Decimal("1200.50")
HORIZON = 30  # the last allowed date is Tuesday, December 22


def _normalize(amount_text: str | None, date_text: str | None) -> NormalizedPayment:
    return normalize_payment(
        amount_text,
        date_text,
        today=TODAY,
        balance=BALANCE,
        currency="USD",
        horizon_days=HORIZON,
    )


@pytest.mark.parametrize(
    ("text", "amount", "code"),
    [
        ("$50", Decimal("50.00"), None),
        ("one hundred and twenty five", Decimal("125.00"), None),
        ("1 cent", Decimal("0.01"), None),
        ("$1,200.50", BALANCE, None),
        ("$1,200.51", None, "amount_above_balance"),
        ("2k", None, "amount_above_balance"),
        ("$0", None, "amount_not_positive"),
        ("-50", None, "amount_not_positive"),
        ("50 or 60", None, "amount_unparsed"),
        ("not sure", None, "amount_unparsed"),
        ("", None, "amount_unparsed"),
    ],
)
def test_amount(text: str, amount: Decimal | None, code: str | None) -> None:
    result = _normalize(text, None)
    assert result.amount == amount
    assert result.date is None
    assert [error.code for error in result.errors] == ([code] if code else [])
    assert all(error.field == "amount" for error in result.errors)


@pytest.mark.parametrize(
    ("text", "when", "code"),
    [
        ("today", TODAY, None),
        ("friday", date(2026, 11, 27), None),
        ("12/22", date(2026, 12, 22), None),
        ("in 30 days", date(2026, 12, 22), None),
        ("12/23", None, "date_beyond_horizon"),
        ("in 31 days", None, "date_beyond_horizon"),
        ("nov 21", None, "date_beyond_horizon"),
        ("yesterday", None, "date_past"),
        ("11/01/2026", None, "date_past"),
        ("feb 30", None, "date_unparsed"),
        ("friday or monday", None, "date_unparsed"),
        ("when I can", None, "date_unparsed"),
    ],
)
def test_date(text: str, when: date | None, code: str | None) -> None:
    result = _normalize(None, text)
    assert result.date == when
    assert result.amount is None
    assert [error.code for error in result.errors] == ([code] if code else [])
    assert all(error.field == "date" for error in result.errors)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("amount_unparsed", "Sorry, I didn't catch an amount there. How much can you pay?"),
        ("amount_not_positive", "The amount needs to be more than zero. How much can you pay?"),
        (
            "amount_above_balance",
            "That's more than your balance of $1,200.50. How much can you pay?",
        ),
        ("date_unparsed", "Sorry, I didn't catch a date there. What date can you pay?"),
        ("date_past", "That date has already passed. What date can you pay?"),
        (
            "date_beyond_horizon",
            "That's further out than I can arrange: the latest date is Tuesday, December 22. "
            "What date can you pay?",
        ),
    ],
)
def test_messages(code: str, message: str) -> None:
    texts = {
        "amount_unparsed": ("?", None),
        "amount_not_positive": ("0", None),
        "amount_above_balance": ("5000", None),
        "date_unparsed": (None, "?"),
        "date_past": (None, "yesterday"),
        "date_beyond_horizon": (None, "12/23"),
    }
    (error,) = _normalize(*texts[code]).errors
    assert (error.code, error.message) == (code, message)


def test_only_given_fields_are_checked() -> None:
    assert _normalize(None, None) == NormalizedPayment(amount=None, date=None, errors=())


def test_both_fields_report_in_order() -> None:
    result = _normalize("a lot", "someday")
    assert [(error.field, error.code) for error in result.errors] == [
        ("amount", "amount_unparsed"),
        ("date", "date_unparsed"),
    ]


def test_to_dict() -> None:
    accepted: NormalizedPaymentDict = {
        "amount": "50.00",
        "date": "2026-11-27",
        "amount_display": "$50.00",
        "date_display": "Friday, November 27",
        "errors": [],
    }
    assert _normalize("fifty bucks", "friday").to_dict("USD", TODAY) == accepted
    # Without today the year is always shown.
    assert _normalize(None, "friday").to_dict("USD")["date_display"] == "Friday, November 27, 2026"
    refused: NormalizedPaymentDict = {
        "amount": "50.00",
        "date": None,
        "amount_display": "50.00 EUR",
        "date_display": None,
        "errors": [
            {
                "field": "date",
                "code": "date_beyond_horizon",
                "message": "That's further out than I can arrange: the latest date is "
                "Tuesday, December 22. What date can you pay?",
            },
        ],
    }
    assert _normalize("50", "jan 2").to_dict("EUR", TODAY) == refused


def test_foreign_currency_in_messages() -> None:
    result = normalize_payment(
        "5000", "12/25/2027", today=TODAY, balance=BALANCE, currency="EUR", horizon_days=365
    )
    assert [error.to_dict() for error in result.errors] == [
        FieldError(
            "amount",
            "amount_above_balance",
            "That's more than your balance of 1,200.50 EUR. How much can you pay?",
        ).to_dict(),
        FieldError(
            "date",
            "date_beyond_horizon",
            "That's further out than I can arrange: the latest date is "
            "Monday, November 22, 2027. What date can you pay?",
        ).to_dict(),
    ]


@given(st.integers(min_value=0, max_value=400), st.integers(min_value=-5, max_value=405))
def test_horizon_is_inclusive(horizon_days: int, days_ahead: int) -> None:
    result = normalize_payment(
        None,
        f"in {days_ahead} days" if days_ahead >= 0 else f"{days_ahead * -1} days ago",
        today=TODAY,
        balance=BALANCE,
        currency="USD",
        horizon_days=horizon_days,
    )
    accepted = 0 <= days_ahead <= horizon_days
    assert (result.date is not None) == accepted
    assert (result.errors == ()) == accepted
