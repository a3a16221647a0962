"""The Luhn check of card numbers and the 3-7-1 check of ABA routing numbers."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from transcription.checksums import aba_routing_valid, luhn_valid


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("4111111111111111", True),
        ("4222222222222", True),
        ("5555555555554444", True),
        ("2223003122003222", True),
        ("378282246310005", True),
        ("6011111111111117", True),
        ("3530111333300000", True),
        ("4111111111111111110", True),
        ("0", True),
        ("4111111111111112", False),
        ("1234567812345678", False),
        ("", False),
        ("4111 1111 1111 1111", False),
        ("4111-1111-1111-1111", False),
        ("٤١١١١١١١١١١١١١١١", False),
    ],
)
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


@given(st.text(alphabet="0123456789", min_size=1, max_size=30))
def test_luhn_has_exactly_one_check_digit(partial: str) -> None:
    assert sum(luhn_valid(partial + digit) for digit in "0123456789") == 1


@given(st.text(alphabet="0123456789", min_size=1, max_size=30))
def test_luhn_ignores_leading_zeros(digits: str) -> None:
    assert luhn_valid("0" + digits) is luhn_valid(digits)


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("021000021", True),
        ("011000015", True),
        ("121000358", True),
        ("026009593", True),
        ("111000025", True),
        ("021000022", False),
        ("123456789", False),
        ("02100002", False),
        ("0210000210", False),
        ("02100002a", False),
        ("", False),
    ],
)
def test_aba_routing(digits: str, valid: bool) -> None:
    assert aba_routing_valid(digits) is valid


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_aba_routing_has_exactly_one_check_digit(partial: str) -> None:
    assert sum(aba_routing_valid(partial + digit) for digit in "0123456789") == 1
