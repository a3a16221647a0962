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
