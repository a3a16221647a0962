"""Word error rate: the edit distance over words, after a raw and a normalising tokenizer.

The scripts spell numbers out ("two hundred dollars on the fifteenth") and Whisper writes them
as it likes ("$200 on the 15th"), so the raw rate counts those as errors. The normalised one maps
both to one form: symbols to words ($ → dollars, % → percent), number words and ordinals to
numerals, and every numeral to its digits one by one ("200" → "2 0 0", "five five five" →
"5 5 5"), so that "5551234" and "five five five, one two three four" agree too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINALS = {
    "first": "one",
    "second": "two",
    "third": "three",
    "fifth": "five",
    "eighth": "eight",
    "ninth": "nine",
    "twelfth": "twelve",
}
VALUES: dict[str, int] = {
    **{w: i for i, w in enumerate(_UNITS)},
    **{w: 10 + i for i, w in enumerate(_TEENS)},
    **{w: 20 + 10 * i for i, w in enumerate(_TENS)},
    "oh": 0,
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_MONEY = re.compile(r"\$(\d[\d,]*)(?:\.(\d\d))?")
_ORDINAL_SUFFIX = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")
_WORD = re.compile(r"[a-z0-9']+")


def raw_words(text: str) -> list[str]:
    """Lower-cased words, punctuation dropped (apostrophes kept out: "i'm" → "im")."""
    return [w.replace("'", "") for w in _WORD.findall(text.lower())]


def normal_words(text: str) -> list[str]:
    """The normalised words: symbols spelled, number words as numerals, numerals as digits."""
    text = _MONEY.sub(lambda m: f"{m[1]} dollars" + (f" {m[2]} cents" if m[2] else ""), text)
    text = _ORDINAL_SUFFIX.sub(r"\1", text.lower().replace("%", " percent"))
    text = re.sub(r"(?<=\d)[,](?=\d{3})", "", text)  # 1,500 → 1500
    text = re.sub(r"(?<=\d)[:.-](?=\d)", " ", text)  # 3:30, 1-800 → separate numbers
    words = [_cardinal(w) for w in raw_words(text.replace("-", " "))]
    out: list[str] = []
    for number in _numbers(words):
        out.extend(list(number) if number.isdigit() else [number])
    return out


def _cardinal(word: str) -> str:
    """An ordinal word as its cardinal ("fifteenth" → "fifteen"), anything else unchanged."""
    if word in _ORDINALS:
        return _ORDINALS[word]
    for suffix, stem in (("ieth", "y"), ("th", "")):
        if word.endswith(suffix) and (word[: -len(suffix)] + stem) in VALUES | _SCALES:
            return word[: -len(suffix)] + stem
    return word


def _numbers(words: Sequence[str]) -> list[str]:
    """Runs of number words folded into numerals ("two hundred fifty" → "250"); a word that
    cannot continue the number in hand starts a new one ("five five" → "5", "5")."""
    out: list[str] = []
    total, current, open_ = 0, 0, False
    for i, word in enumerate(words):
        if word in VALUES and (word != "oh" or _beside_number(words, i)):
            value = VALUES[word]
            if value == 0:  # a spoken zero is a digit of its own ("two zero one")
                if open_:
                    out.append(str(total + current))
                out.append("0")
                total, current, open_ = 0, 0, False
                continue
            small = current % 100
            fits = small == 0 if value >= 10 else small == 0 or (small >= 20 and small % 10 == 0)
            if open_ and not fits:
                out.append(str(total + current))
                total, current = 0, 0
            current += value
            open_ = True
        elif word in _SCALES and (open_ or word == "hundred"):
            scale = _SCALES[word]
            if scale == 100:
                current = (current or 1) * 100
            else:
                total, current = total + (current or 1) * scale, 0
            open_ = True
        elif word == "and" and open_ and i + 1 < len(words) and words[i + 1] in VALUES:
            continue
        else:
            if open_:
                out.append(str(total + current))
                total, current, open_ = 0, 0, False
            out.append(word)
    if open_:
        out.append(str(total + current))
    return out


def _beside_number(words: Sequence[str], i: int) -> bool:
    """Whether a neighbour of ``words[i]`` is a number ("five oh two": "oh" is a zero)."""
    near = [words[j] for j in (i - 1, i + 1) if 0 <= j < len(words)]
    return any((w in VALUES and w != "oh") or w.isdigit() for w in near)


def edits(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """The Levenshtein distance over words: substitutions, deletions and insertions."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        row = [i]
        for j, hyp in enumerate(hypothesis, 1):
            row.append(min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = row
    return previous[-1]


def wer(pairs: Sequence[tuple[str, str]], normalise: bool) -> float:
    """The corpus word error rate of (reference, hypothesis) pairs: all edits over all reference
    words."""
    split = normal_words if normalise else raw_words
    errors = words = 0
    for reference, hypothesis in pairs:
        ref = split(reference)
        errors += edits(ref, split(hypothesis))
        words += len(ref)
    return errors / words if words else 0.0
