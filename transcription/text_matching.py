"""Keeping the transcript regexes fast: word lists as tries, and no re.IGNORECASE.

Python's re tries the branches of "one|two|three|..." one after another at every position it
tests; the same words as a trie, "one|t(?:hree|wo)", read each letter once. And it matches
about three times slower with re.IGNORECASE than on text lowered beforehand; lowering only
ASCII letters keeps every offset where it was (str.lower() turns "İ" into two characters).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable

__all__ = ["alternation", "ascii_lower"]

_Trie = dict[str, "_Trie"]
_END = ""
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def ascii_lower(text: str) -> str:
    """`text` with its ASCII letters in lower case, and every other character where it was."""
    return text.translate(_ASCII_LOWER)


def alternation(words: Iterable[str]) -> str:
    """A non-capturing regular expression matching exactly the given (non-empty) words."""
    root: _Trie = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[_END] = {}
    return f"(?:{_pattern(root)})"


def _pattern(node: _Trie) -> str:
    branches = [re.escape(char) + _pattern(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if _END not in node:
        return body
    return f"(?:{body})?" if len(branches) == 1 else body + "?"
