"""The bundled ruleset files, read here and handed to the pure policy engine already parsed.

``policies`` does no I/O: it parses YAML bytes it is given. The files ship inside the
``policies`` package (``policies/rulesets/*.yaml``) so compliance edits them next to the rules
they configure; the gateway reads them once and caches the result.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from policies import Ruleset, parse_ruleset
from policies.state_overlays import StateOverlay, parse_overlay

RULESETS = ("reg_f_third_party", "first_party_creditor")
DEFAULT_RULESET = "reg_f_third_party"
COLLECTOR_TYPES = {"third_party": "reg_f_third_party", "first_party": "first_party_creditor"}


@cache
def load_ruleset(name: str) -> Ruleset:
    """A bundled ruleset by name, with every state overlay on top; ValueError for an unknown
    name, RulesetError for a bad file."""
    if name not in RULESETS:
        raise ValueError(f"unknown ruleset {name!r}: expected one of {', '.join(RULESETS)}")
    resource = files("policies") / "rulesets" / f"{name}.yaml"
    return parse_ruleset(resource.read_bytes(), str(resource)).with_overlays(load_overlays())


@cache
def load_overlays() -> tuple[StateOverlay, ...]:
    """The bundled state overlays (``policies/rulesets/states/*.yaml``), by region."""
    folder = files("policies") / "rulesets" / "states"
    found = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".yaml")),
        key=lambda entry: entry.name,
    )
    return tuple(parse_overlay(entry.read_bytes(), str(entry)) for entry in found)


@cache  # on every decision: resolving the name each time showed in profiles
def ruleset_for(collector_type: str, override: str | None = None) -> Ruleset:
    """The ruleset of an account: ``override`` (PARLEY_RULESET) if given, else
    reg_f_third_party for a third_party collector and first_party_creditor for first_party."""
    if override is not None:
        return load_ruleset(override)
    try:
        return load_ruleset(COLLECTOR_TYPES[collector_type])
    except KeyError:
        raise ValueError(
            f"unknown collector_type {collector_type!r}: expected one of "
            f"{', '.join(COLLECTOR_TYPES)}"
        ) from None


@cache
def history_days(ruleset_override: str | None = None) -> int:
    """Days of contact history to load: what the longest-looking ruleset in use can see.

    Loading no more keeps facts (and the audit rows that record them) small; loading no less
    keeps every decision exactly what it would be on the full history.
    """
    names = [ruleset_override] if ruleset_override else list(RULESETS)
    return max(load_ruleset(name).lookback_days for name in names)
