"""Reading and writing money amounts as debtors type them."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.normalize import format_amount, parse_amount

cents = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)

PHRASE_PARTS = (
    "$", "-", "50", "1,200.50", ".5", "k", "a", "and", "hundred", "thousand", "twenty",
    "five", "zero", "dollars", "cents", "usd", "or", "/", "15th", "%", "12/3",
)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Digits, with and without a currency.
        ("$50", "50.00"),
        ("50", "50.00"),
        ("50.5", "50.50"),
        ("$1,200.50", "1200.50"),
        ("1200", "1200.00"),
        ("$ 50", "50.00"),
        ("50$", "50.00"),
        (".50", "0.50"),
        ("50 bucks", "50.00"),
        ("75 USD", "75.00"),
        ("usd 75", "75.00"),
        ("75 dollars", "75.00"),
        ("1k", "1000.00"),
        ("1.5K", "1500.00"),
        ("$50/month", "50.00"),
        ("I can do 200 dollars.", "200.00"),
        # Words.
        ("fifty dollars", "50.00"),
        ("fifty", "50.00"),
        ("a hundred", "100.00"),
        ("hundred bucks", "100.00"),
        ("one hundred and twenty five", "125.00"),
        ("twenty-five", "25.00"),
        ("twelve hundred", "1200.00"),
        ("a thousand", "1000.00"),
        ("one thousand and five", "1005.00"),
        ("twenty five thousand three hundred", "25300.00"),
        ("fifty k", "50000.00"),
        # Cents.
        ("50 cents", "0.50"),
        ("five dollars and fifty cents", "5.50"),
        ("$5 and 50 cents", "5.50"),
        ("5 and 50 cents", None),
        # Zero and negatives parse; validation rejects them.
        ("$0", "0.00"),
        ("zero", "0.00"),
        ("-50", "-50.00"),
        ("-$50", "-50.00"),
        # The same amount said twice is one amount.
        ("$50 (50 dollars)", "50.00"),
        # Dates, times, ordinals and percentages around an amount are not amounts.
        ("50 on 12/3", "50.00"),
        ("50 on the 15th", "50.00"),
        ("50 at 5:30", "50.00"),
        # Nothing to read, or nothing to read with confidence.
        ("", None),
        ("I don't know", None),
        ("50%", None),
        ("$50.999", None),
        ("50 or 60", None),
        ("$50 - $60", None),
        ("5-10", None),
        ("fifty and sixty", None),
        ("1,20", None),
        # "two fifty" is $2.50 said of a price and often $250 said of a payment.
        ("two fifty", None),
        ("one fifty", None),
        ("1" * 20, None),
    ],
)
def test_parse_amount(text: str, expected: str | None) -> None:
    assert parse_amount(text) == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("1200.5", "USD", "$1,200.50"),
        ("0", "USD", "$0.00"),
        ("1234567.891", "usd", "$1,234,567.89"),
        ("-50", "USD", "-$50.00"),
        ("1200.5", "EUR", "1,200.50 EUR"),
        ("0.05", "cad", "0.05 CAD"),
    ],
)
def test_format_amount(value: str, currency: str, expected: str) -> None:
    assert format_amount(Decimal(value), currency) == expected


@given(cents)
def test_formatted_amounts_read_back(value: Decimal) -> None:
    assert parse_amount(format_amount(value)) == value
    assert parse_amount(str(value)) == value
    assert parse_amount(f"{value} dollars") == value


@given(st.text())
def test_any_text_reads_as_cents_or_nothing(text: str) -> None:
    value = parse_amount(text)
    assert value is None or value.as_tuple().exponent == -2


@given(st.lists(st.sampled_from(PHRASE_PARTS), max_size=8).map(" ".join))
def test_any_phrase_reads_as_cents_or_nothing(text: str) -> None:
    value = parse_amount(text)
    assert value is None or value.as_tuple().exponent == -2
