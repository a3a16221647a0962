"""Reading digit strings, written or spoken, out of transcripts with their exact ranges."""

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from transcription.spoken_numbers import NUMBER_WORDS, find_number_runs
from transcription.text_matching import alternation


def _runs(text: str) -> list[tuple[str, str]]:
    """Each run's digits and the text it covers."""
    return [(run.digits, text[run.start : run.end]) for run in find_number_runs(text)]


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        # Spoken digits, joined by spaces, hyphens, commas and "dash".
        ("four one one one", [("4111", "four one one one")]),
        ("Four-One-One-One", [("4111", "Four-One-One-One")]),
        ("four, one, one, one.", [("4111", "four, one, one, one")]),
        ("four dash one dash one", [("411", "four dash one dash one")]),
        ("oh nine", [("09", "oh nine")]),
        ("zero zero seven", [("007", "zero zero seven")]),
        ("double four one", [("441", "double four one")]),
        ("triple oh", [("000", "triple oh")]),
        ("double 7", [("77", "double 7")]),
        # Tens and teens.
        ("forty one eleven", [("4111", "forty one eleven")]),
        ("forty-one eleven", [("4111", "forty-one eleven")]),
        ("twenty two", [("22", "twenty two")]),
        ("twenty", [("20", "twenty")]),
        ("twenty, two", [("202", "twenty, two")]),
        ("nineteen oh five", [("1905", "nineteen oh five")]),
        ("oh nine twenty seven", [("0927", "oh nine twenty seven")]),
        # Written digits, and the two mixed.
        ("4111 1111", [("41111111", "4111 1111")]),
        ("4111-1111", [("41111111", "4111-1111")]),
        ("4111 - 1111", [("41111111", "4111 - 1111")]),
        ("4111.1111.", [("41111111", "4111.1111")]),
        ("4, 1, 1, 1", [("4111", "4, 1, 1, 1")]),
        ("41,1,1", [("4111", "41,1,1")]),
        ("4 one 1 one", [("4111", "4 one 1 one")]),
        ("4,111,111,111,111,111", [("4111111111111111", "4,111,111,111,111,111")]),
        # Whisper's dollar signs, a stray one at the end included.
        ("is $41, $1, $21, $11, $ ok", [("4112111", "$41, $1, $21, $11, $")]),
        # Slashed dates are runs of their own.
        ("expires 09/27", [("0927", "09/27")]),
        ("4111 09/27 123", [("4111", "4111"), ("0927", "09/27"), ("123", "123")]),
        ("12/15/2026", [("12152026", "12/15/2026")]),
        # What ends a run.
        ("4111 and 1111", [("4111", "4111"), ("1111", "1111")]),
        ("4111. 1111", [("4111", "4111"), ("1111", "1111")]),
        ("3:30", [("3", "3"), ("30", "30")]),
        ("two hundred dollars", [("2", "two")]),
        ("double trouble 5", [("5", "5")]),
        ("(415) 555-0134", [("415", "415"), ("5550134", "555-0134")]),
        ("$1,250.00 and 7", [("7", "7")]),
        ("$4.50", []),
        ("1,250.00", []),
        # Numbers glued to letters are references, not digit strings.
        ("ACC-2024-0042", []),
        ("INV2024", []),
        ("15th", []),
        ("2k", []),
        ("v1.2", []),
        ("4111-ACC", []),
        ("one-time", []),
        ("someone is oneself", []),
        ("", []),
    ],
)
def test_runs(text: str, runs: list[tuple[str, str]]) -> None:
    assert _runs(text) == runs


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("one two three, four five, six seven eight nine", ["123", "45", "6789"]),
        ("123-45-6789", ["123", "45", "6789"]),
        ("four-one-one-one", ["4", "1", "1", "1"]),
        ("forty one eleven", ["4111"]),
        ("4 one", ["4", "1"]),
        ("four dash one one", ["4", "11"]),
        ("$41, $1", ["41", "1"]),
        ("09/27", ["09", "27"]),
    ],
)
def test_groups(text: str, groups: list[str]) -> None:
    [run] = find_number_runs(text)
    assert [group.digits for group in run.groups] == groups
    assert all(text[group.start : group.end].strip() for group in run.groups)


def test_a_slashed_run_says_so() -> None:
    [date, digits] = find_number_runs("09/27 1234")
    assert date.slashed
    assert not digits.slashed


def test_spoken_groups_say_so() -> None:
    [run] = find_number_runs("$4 one")
    assert [group.spoken for group in run.groups] == [False, True]
    assert run.groups[0].start == 0


@given(st.lists(st.sampled_from(sorted(NUMBER_WORDS)), min_size=1, max_size=12))
def test_each_run_covers_its_words(words: list[str]) -> None:
    text = " ".join(words)
    runs = find_number_runs(text)
    assert runs
    for run in runs:
        assert text[run.start : run.end] == text[run.start : run.end].strip()
        assert run.digits.isdigit()
    assert [run.start for run in runs] == sorted(run.start for run in runs)


@given(st.text(alphabet=st.characters(exclude_characters="0123456789")))
def test_text_without_digits_or_number_words_has_no_runs(text: str) -> None:
    assume(not any(word.lower() in NUMBER_WORDS for word in re.findall(r"[^\W\d_]+", text)))
    assert find_number_runs(text) == []


@given(st.sets(st.text(alphabet="abc/$", min_size=1, max_size=5), min_size=1), st.text("abc/$"))
def test_a_word_trie_matches_exactly_its_words(words: set[str], text: str) -> None:
    pattern = re.compile(alternation(words))
    assert (pattern.fullmatch(text) is not None) is (text in words)
