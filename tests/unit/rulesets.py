"""The bundled rulesets for the policy unit tests, read from `policies/rulesets/`.

`policies` parses but never reads files, and its tests must not import the gateway (which
reads them in production), so this helper reads the bundled YAML itself and hands the bytes
to `parse_ruleset`, as the gateway does.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import policies
from policies import Ruleset, parse_ruleset

RULESET_DIR = Path(policies.__file__).parent / "rulesets"
BUNDLED = ("reg_f_third_party", "first_party_creditor")


def bundled_path(name: str) -> Path:
    """The file of a bundled ruleset."""
    return RULESET_DIR / f"{name}.yaml"


@cache
def bundled(name: str) -> Ruleset:
    """A bundled ruleset by name, parsed once per test session."""
    path = bundled_path(name)
    return parse_ruleset(path.read_bytes(), str(path))


REG_F = bundled("reg_f_third_party")
FIRST_PARTY = bundled("first_party_creditor")


def edit(old: str, new: str, text: str) -> str:
    """`text` with its one occurrence of `old` replaced (an edit that misses fails loudly)."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def line_of(text: str, needle: str) -> int:
    """The line the one occurrence of `needle` starts on.

    A needle may span lines, to tell apart keys that several rules share (sms, reply).
    """
    assert text.count(needle) == 1, needle
    return text[: text.index(needle)].count("\n") + 1
