"""Redacting card, bank and social security numbers from voicemail transcripts."""

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from transcription.checksums import luhn_valid
from transcription.redaction import PLACEHOLDERS, Redaction, Span, redact, redact_parts
from transcription.spoken_numbers import NUMBER_WORDS

# tiny.en's transcripts of one spoken 16-digit test card: the first rebuilt from its description
# ("4, 1, 1, 1, ...", 49 digits), the other two verbatim.
WHISPER_49_DIGITS = "My card number is 4, " + ", ".join("1" * 48) + "."
WHISPER_7_DIGITS = "my card number is 41, 1, 1, 1, 1, 1"
WHISPER_DOLLARS = "my card number is $41, $1, $21, $11, $"

REDACTED = [
    # Card numbers anywhere: Luhn-valid, 13 to 19 digits, however they are written.
    ("4111111111111111", "[card number]"),
    ("my card is 4111 1111 1111 1111.", "my card is [card number]."),
    ("4111-1111-1111-1111", "[card number]"),
    ("4111.1111.1111.1111", "[card number]"),
    ("it's 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 ok", "it's [card number] ok"),
    ("4,111,111,111,111,111", "[card number]"),
    ("Visa 4012 8888 8888 1881", "Visa [card number]"),
    ("4222222222222 is the old one", "[card number] is the old one"),
    ("5555 5555 5555 4444", "[card number]"),
    ("5105-1051-0510-5100", "[card number]"),
    ("2221 0000 0000 0009", "[card number]"),
    ("2223003122003222", "[card number]"),
    ("2720 9900 0000 0007", "[card number]"),
    ("3782 822463 10005", "[card number]"),
    ("371449635398431", "[card number]"),
    ("6011 1111 1111 1117", "[card number]"),
    ("6011000990139424", "[card number]"),
    ("6500 0000 0000 0002", "[card number]"),
    ("3530 1113 3330 0000", "[card number]"),
    ("3566002020360505", "[card number]"),
    ("3056 930902 5904", "[card number]"),
    ("6304 0000 0000 0000 00", "[card number]"),
    ("6221 2600 0000 0000 001", "[card number]"),
    ("4111 1111 1111 1111 110", "[card number]"),
    ("four one one one one one one one one one one one one one one one", "[card number]"),
    ("four-one-one-one-one-one-one-one-one-one-one-one-one-one-one-one", "[card number]"),
    ("forty one eleven eleven eleven eleven eleven eleven eleven", "[card number]"),
    ("4 one 1 one 1 one 1 one 1 one 1 one 1 one 1 one", "[card number]"),
    (
        "five five five five, five five five five, five five five five, four four four four",
        "[card number]",
    ),
    ("4111 dash 1111 dash 1111 dash 1111", "[card number]"),
    ("reference 12 4111 1111 1111 1111", "reference 12 [card number]"),
    ("call 415 555 0134 4111 1111 1111 1111", "call 415 555 0134 [card number]"),
    # Near a card phrase, any run of 7 or more digits: speech recognition drops and repeats them.
    (WHISPER_49_DIGITS, "My card number is [card number]."),
    (WHISPER_7_DIGITS, "my card number is [card number]"),
    (WHISPER_DOLLARS, "my card number is [card number]"),
    ("my credit card number is 4111 1111 1111 1112", "my credit card number is [card number]"),
    ("debit card 4111 1111 1111", "debit card [card number]"),
    (
        "the long number on the front is 5555 5555 5555",
        "the long number on the front is [card number]",
    ),
    ("mastercard, 5, 5, 5, 5, 5, 5, 5, 5", "mastercard, [card number]"),
    ("amex 3782 8224 6310", "amex [card number]"),
    (
        "American Express, the number is 3782 822463 1000",
        "American Express, the number is [card number]",
    ),
    (
        "I'd like to pay with my discover, 6011 1111 1111",
        "I'd like to pay with my discover, [card number]",
    ),
    ("4111 1111 1111 1112 is my card number", "[card number] is my card number"),
    ("card number? Um, it's 4, 1, 1, 1, 1, 1, 1, 1.", "card number? Um, it's [card number]."),
    ("my visa is four one one one one one one one", "my visa is [card number]"),
    # Security codes and expiry dates, next to their phrase or right after the card number.
    ("the CVV is 123", "the CVV is [security code]"),
    ("cvc 4567", "cvc [security code]"),
    ("security code one two three", "security code [security code]"),
    ("the three digits on the back are 7 3 7", "the three digits on the back are [security code]"),
    ("3 digits on the back: 737", "3 digits on the back: [security code]"),
    ("CID is 1234", "CID is [security code]"),
    ("card security code: 321", "card security code: [security code]"),
    ("123 is the cvv", "[security code] is the cvv"),
    ("expires 09/27", "expires [expiry date]"),
    ("exp 9/2027", "exp [expiry date]"),
    ("expiration date oh nine twenty seven", "expiration date [expiry date]"),
    ("valid thru 12-28", "valid thru [expiry date]"),
    ("it expires twelve twenty eight", "it expires [expiry date]"),
    ("expiry 0927", "expiry [expiry date]"),
    ("good through 11/2029", "good through [expiry date]"),
    ("card 4111 1111 1111 1111 09/27 123", "card [card number] [expiry date] [security code]"),
    ("4111 1111 1111 1111, 09/27, 123", "[card number], [expiry date], [security code]"),
    ("expires 0927 4111 1111 1111 1111", "expires [expiry date] [card number]"),
    (
        "my card number is 4111 1111 1111 1111, it expires 09/27 and the cvv is 123",
        "my card number is [card number], it expires [expiry date] and the cvv is [security code]",
    ),
    # Social security numbers: 3-2-4 anywhere, any run of 7 or more digits near a phrase.
    ("123-45-6789", "[ssn]"),
    ("123 45 6789", "[ssn]"),
    ("my ssn is 123 45 6789", "my ssn is [ssn]"),
    ("social security number 123456789", "social security number [ssn]"),
    ("My social is one two three, four five, six seven eight nine.", "My social is [ssn]."),
    ("one two three, four five, six seven eight nine", "[ssn]"),
    ("SSN 666-12-3456", "SSN [ssn]"),
    ("social: 900 12 3456", "social: [ssn]"),
    ("my social is 1 2 3 4 5 6 7 8", "my social is [ssn]"),
    ("123456789 is my social security number", "[ssn] is my social security number"),
    ("the last four of my social are 6789", "the last four of my social are [ssn]"),
    # Bank accounts and routing numbers.
    ("my bank account number is 000123456789", "my bank account number is [bank account]"),
    ("checking account 12345", "checking account [bank account]"),
    ("from my savings, 98765432", "from my savings, [bank account]"),
    (
        "my checking account number is 4, 4, 5, 5, 6, 6",
        "my checking account number is [bank account]",
    ),
    ("acct # 123456789012", "acct # [bank account]"),
    ("my account number is 12345678", "my account number is [bank account]"),
    ("routing number 021000021", "routing number [routing number]"),
    ("ABA 011000015", "ABA [routing number]"),
    ("transit number 121000358", "transit number [routing number]"),
    ("routing 02100002", "routing [routing number]"),
    ("bank account 021000021", "bank account [routing number]"),
    (
        "routing 021000021 and account number 4455",
        "routing [routing number] and account number [bank account]",
    ),
    ("the account number at my bank is 88213", "the account number at my bank is [bank account]"),
]

KEPT = [
    # Amounts.
    "I can pay $200 on Friday.",
    "two hundred dollars",
    "$1,250.00",
    "I paid $41 last week.",
    "I paid $41 with my debit card",
    "my credit card bill is $1,250.00",
    "I'll pay 500 by the 20th with my card",
    "I get social security, 1400 a month",
    # Dates, times, years, counts.
    "on the 15th",
    "March 3rd 2027",
    "12/15",
    "next Friday",
    "call me at 3:30",
    "in 2027",
    "twenty twenty seven",
    "I have 2 kids",
    "3 months",
    "my card was declined 3 times",
    "I used my card on 3/15",
    "the card expires next month",
    # Phone numbers, addresses, ZIP codes.
    "(415) 555-0134",
    "+1 415 555 0134",
    "415-555-0134",
    "415 555 0134, 415 555 0199",
    "call me back at four one five five five five oh one three four",
    "I lost my card, call me at 415 555 0134",
    "I lost my card. My number is 415 555 0134.",
    "my social worker's number is 415 555 0134",
    "please call 415 555 0134, my visa is on file",
    "I'm at 1600 Pennsylvania Avenue",
    "my zip is 94110",
    "94110-1234",
    # Debt references: with letters, or short after "account number".
    "my account number is ACC-2024-0042",
    "account 88213",
    "my account number is 88213",
    "I'm just checking in about account number 88213",
    "order INV-2024-88213-X",
    "reference A12345678",
    # Numbers with no phrase and no shape: a Luhn-invalid 16 digits, 9 plain digits.
    "1234 5678 9012 3456",
    "4111 1111 1111 1112",
    "123456789",
    # Social security numbers that cannot be, with no phrase.
    "666-12-3456",
    "000-12-3456",
    "912-34-5678",
    "123-00-6789",
    "123-45-0000",
    # The words alone, and a card's last four digits.
    "I lost my card",
    "4111",
    "card ending in 4111",
    "the three digits on the back are worn off",
    "no one is home, oh well",
    "Hi, this is Maria, please call me back when you can.",
    "",
]


def _check_spans(text: str, redaction: Redaction) -> None:
    """Spans are sorted, apart, inside `text`, and replacing them gives the redacted text."""
    pieces = []
    position = 0
    for span in redaction.spans:
        assert position <= span.start < span.end <= len(text)
        assert span.kind in PLACEHOLDERS
        pieces += [text[position : span.start], PLACEHOLDERS[span.kind]]
        position = span.end
    assert "".join([*pieces, text[position:]]) == redaction.text


@pytest.mark.parametrize(("text", "expected"), REDACTED)
def test_redacted(text: str, expected: str) -> None:
    redaction = redact(text)
    assert redaction.text == expected
    _check_spans(text, redaction)


@pytest.mark.parametrize("text", KEPT)
def test_kept(text: str) -> None:
    assert redact(text) == Redaction(text, ())


@pytest.mark.parametrize("text", [text for text, _ in REDACTED] + KEPT)
def test_idempotent(text: str) -> None:
    once = redact(text).text
    assert redact(once) == Redaction(once, ())


def test_spans_name_what_was_removed() -> None:
    text = "card 4111 1111 1111 1111 exp 09/27 cvv 123, ssn 123-45-6789, routing 021000021"
    spans = redact(text).spans
    assert [(text[span.start : span.end], span.kind) for span in spans] == [
        ("4111 1111 1111 1111", "card_number"),
        ("09/27", "expiry_date"),
        ("123", "security_code"),
        ("123-45-6789", "ssn"),
        ("021000021", "routing_number"),
    ]
    assert spans[0] == Span(5, 24, "card_number")


def test_the_dollar_signs_go_with_the_digits() -> None:
    [span] = redact(WHISPER_DOLLARS).spans
    assert WHISPER_DOLLARS[span.start : span.end] == "$41, $1, $21, $11, $"


def test_placeholders_name_every_kind() -> None:
    assert set(PLACEHOLDERS) == {
        "card_number",
        "security_code",
        "expiry_date",
        "ssn",
        "bank_account",
        "routing_number",
    }
    assert all(re.fullmatch(r"\[[a-z ]+\]", placeholder) for placeholder in PLACEHOLDERS.values())


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (
            ["my card number is 4111 1111", "1111 1111"],
            ["my card number is [card number]", "[card number]"],
        ),
        (
            ["my card number is", "4111 1111 1111 1111 thanks", "bye"],
            ["my card number is", "[card number] thanks", "bye"],
        ),
        (
            ["call me at 415 555", "0134 thanks"],
            ["call me at 415 555", "0134 thanks"],
        ),
        (
            ["my social is one two three", "four five six seven eight nine"],
            ["my social is [ssn]", "[ssn]"],
        ),
        (["4111", "", "1111 1111 1111"], ["[card number]", "", "[card number]"]),
        ([], []),
    ],
)
def test_redact_parts(parts: list[str], expected: list[str]) -> None:
    assert redact_parts(parts) == expected


def test_redact_parts_with_another_separator() -> None:
    parts = ["card: 4111-1111", "1111-1111.", "ok"]
    assert redact_parts(parts, separator="-") == ["card: [card number]", "[card number].", "ok"]


def test_a_long_text_full_of_digits() -> None:
    fragments = [text for text, _ in REDACTED] + KEPT + ["4, 1, 1, " * 50, "1" * 500]
    text = " ".join(fragments * 3)[:20_000]
    redaction = redact(text)
    _check_spans(text, redaction)
    assert "4111 1111 1111 1111" not in redaction.text


def _with_check_digit(partial: str) -> str:
    return next(partial + digit for digit in "0123456789" if luhn_valid(partial + digit))


card_numbers = (
    st.integers(min_value=12, max_value=18)
    .flatmap(lambda size: st.text(alphabet="0123456789", min_size=size, max_size=size))
    .map(_with_check_digit)
)
# Ordinary words and context phrases, none of them numbers: a digit or number word next to the
# card would join its run, and single digits inside a longer run are not searched for cards.
WORDS = (
    "hi", "this", "is", "Maria,", "please", "call", "me", "back.", "my", "card", "number",
    "the", "visa", "and", "um", "social", "account", "routing", "expires", "cvv", "ok", "thanks!",
    "it's", "bye", "checking", "on", "file", "due", "$",
)  # fmt: skip
words = st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join)


def _formatted(digits: str, size: int, separator: str) -> str:
    return separator.join(digits[index : index + size] for index in range(0, len(digits), size))


@given(
    card_numbers,
    st.sampled_from([1, 3, 4, 5]),
    st.sampled_from([" ", "-", ", ", ""]),
    words,
    words,
)
def test_no_card_number_survives(
    digits: str, size: int, separator: str, before: str, after: str
) -> None:
    text = f"{before} {_formatted(digits, size, separator)} {after}"
    left = re.sub(r"[^0-9]", "", redact(text).text)
    assert all(digits[i : i + 13] not in left for i in range(len(digits) - 12))


@given(st.text(alphabet=st.characters(exclude_characters="0123456789")))
def test_text_without_numbers_is_unchanged(text: str) -> None:
    assume(not any(word.lower() in NUMBER_WORDS for word in re.findall(r"[^\W\d_]+", text)))
    assert redact(text) == Redaction(text, ())


@given(st.lists(st.sampled_from([text for text, _ in REDACTED] + KEPT + list(WORDS)), max_size=6))
def test_idempotent_on_mixtures(fragments: list[str]) -> None:
    text = " ".join(fragments)
    redaction = redact(text)
    _check_spans(text, redaction)
    assert redact(redaction.text).text == redaction.text
