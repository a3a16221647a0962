"""State rule overlays: the stricter rules of one state (or city) on top of the federal ruleset.

An overlay file (policies/rulesets/states/<region>.yaml) is named by its region code ("ma",
"nyc") and holds three lists: contact frequency limits, consent rules and disclosures. Every
entry carries its rule code (`state_<region>_<name>`), a message and its legal citation. As in
`policies.ruleset`, every key must be present and nothing unknown is accepted; any problem
fails with "<file>:<line>: <problem>". Reading the files is the caller's business: this module
parses the bytes it is given. The checks themselves are in `policies.state_rules`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePath

import yaml

from policies.channels import CHANNELS
from policies.facts import PURPOSES
from policies.rule_settings import Disclosure
from policies.ruleset_reader import NodeReader, RulesetError, compose, line_of

__all__ = [
    "ADDRESS_SCOPES",
    "DISCLOSURE_WHEN",
    "PLACEHOLDERS",
    "ConsentRule",
    "FrequencyLimit",
    "StateDisclosure",
    "StateOverlay",
    "overlays_for",
    "parse_overlay",
]

# Which address a frequency limit covers: any, a personal one (facts.work_address false: the
# residence, a cell phone, a number the consumer gave as theirs) or any other (work_address).
ADDRESS_SCOPES = ("any", "personal", "other")
DISCLOSURE_WHEN = ("always", "time_barred")
# Values the gateway fills into a disclosure's text when it adds one, written {name}.
PLACEHOLDERS = ("collector_name", "owner_name", "ca_license_number")

_REGION = re.compile(r"[a-z]{2,3}")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SECTIONS = ("description", "frequency_limits", "consent_rules", "disclosures")
_COMMON = ("rule", "message", "citation", "channels", "purposes")


@dataclass(frozen=True, slots=True)
class FrequencyLimit:
    """At most `max_attempts` outbound contacts on `channels` within `window_days` calendar
    days (in the consumer's zones), for a proposed contact on one of them."""

    rule: str
    message: str
    citation: str
    channels: frozenset[str]
    purposes: frozenset[str]
    max_attempts: int
    window_days: int
    address: str


@dataclass(frozen=True, slots=True)
class ConsentRule:
    """Contact on `channels` needs consent granted through one of `sources` (the ledger's)."""

    rule: str
    message: str
    citation: str
    channels: frozenset[str]
    purposes: frozenset[str]
    sources: frozenset[str]


@dataclass(frozen=True, slots=True)
class StateDisclosure:
    """A disclosure messages on `channels` must carry, `when` always or on time-barred debts.

    `disclosure.name` is the rule code; its text may hold PLACEHOLDERS for the gateway to fill.
    """

    rule: str
    message: str
    channels: frozenset[str]
    purposes: frozenset[str]
    when: str
    disclosure: Disclosure


@dataclass(frozen=True, slots=True)
class StateOverlay:
    """A parsed overlay. `digest` is the sha256 of the file's bytes, for the audit log."""

    region: str
    digest: str
    path: str
    description: str
    frequency_limits: tuple[FrequencyLimit, ...]
    consent_rules: tuple[ConsentRule, ...]
    disclosures: tuple[StateDisclosure, ...]

    def ref(self) -> dict[str, str]:
        """Region and digest, to store next to each decision."""
        return {"region": self.region, "digest": self.digest}

    @property
    def lookback_days(self) -> int:
        """Days of contact history the overlay can read: its longest window, plus two days
        because windows are calendar days in zones up to a day either side of UTC."""
        return max((limit.window_days for limit in self.frequency_limits), default=0) + 2


def overlays_for(
    regions: tuple[str, ...], overlays: tuple[StateOverlay, ...]
) -> tuple[StateOverlay, ...]:
    """The overlays of `regions` (as `policies.states.candidate_regions` gives them), in the
    order given; "*" selects every overlay. A region without an overlay adds nothing."""
    if "*" in regions:
        return overlays
    return tuple(overlay for overlay in overlays if overlay.region in regions)


def parse_overlay(data: bytes, path: str) -> StateOverlay:
    """Validate overlay YAML and build the StateOverlay.

    `path` names the file in errors and its stem is the region code (ma.yaml -> "ma"); nothing
    is read from it. Raises RulesetError (a ValueError) with the file and line of the problem.
    """
    region = PurePath(path).stem
    if not _REGION.fullmatch(region):
        raise RulesetError(path, 1, f"overlay file name {region!r} is not a region code")
    root = compose(data, path)
    reader = NodeReader(path)
    sections = reader.mapping(root, "the overlay")
    for name, (key, _) in sections.items():
        if name not in _SECTIONS:
            known = ", ".join(_SECTIONS)
            raise RulesetError(path, line_of(key), f"unknown key {name!r}; known: {known}")
    for name in _SECTIONS:
        if name not in sections:
            raise RulesetError(path, line_of(root), f"key {name!r} is missing")
    description = reader.string(sections["description"][1], "description")
    codes = _Codes(reader, region)
    items = {name: _entries(reader, sections[name][1], name) for name in _SECTIONS[1:]}
    return StateOverlay(
        region=region,
        digest=hashlib.sha256(data).hexdigest(),
        path=path,
        description=description,
        frequency_limits=tuple(_frequency(reader, codes, *item) for item in items[_SECTIONS[1]]),
        consent_rules=tuple(_consent(reader, codes, *item) for item in items[_SECTIONS[2]]),
        disclosures=tuple(_disclosure(reader, codes, *item) for item in items[_SECTIONS[3]]),
    )


class _Codes:
    """Rule codes seen so far in one file: each `state_<region>_<name>`, each once."""

    def __init__(self, reader: NodeReader, region: str) -> None:
        self.reader = reader
        self.pattern = re.compile(rf"state_{region}_[a-z0-9]+(?:_[a-z0-9]+)*")
        self.region = region
        self.seen: set[str] = set()

    def take(self, node: yaml.Node, what: str) -> str:
        code = self.reader.string(node, f"{what}.rule")
        if not self.pattern.fullmatch(code):
            raise self.reader.fail(
                node,
                f"bad rule code {code!r} in {what}: expected state_{self.region}_<name> "
                "(lowercase letters, digits and single underscores)",
            )
        if code in self.seen:
            raise self.reader.fail(node, f"rule code {code!r} is used twice")
        self.seen.add(code)
        return code


def _entries(reader: NodeReader, node: yaml.Node, section: str) -> list[tuple[str, yaml.Node]]:
    if not isinstance(node, yaml.SequenceNode):
        raise reader.fail(node, f"{section} must be a list (write [] for none)")
    return [(f"{section}[{index}]", item) for index, item in enumerate(node.value)]


def _listed(
    reader: NodeReader, node: yaml.Node, what: str, vocabulary: tuple[str, ...]
) -> frozenset[str]:
    names = reader.names(node, what, vocabulary)
    if not names:
        # An empty list would make the rule apply to nothing, which is never what was meant.
        raise reader.fail(node, f"{what} must list at least one value")
    return names


def _common(
    reader: NodeReader,
    codes: _Codes,
    what: str,
    node: yaml.Node,
    keys: tuple[str, ...],
) -> tuple[dict[str, yaml.Node], tuple[str, str, str, frozenset[str], frozenset[str]]]:
    values = reader.section(node, what, (*_COMMON, *keys))
    common = (
        codes.take(values["rule"], what),
        reader.string(values["message"], f"{what}.message"),
        reader.string(values["citation"], f"{what}.citation"),
        _listed(reader, values["channels"], f"{what}.channels", CHANNELS),
        _listed(reader, values["purposes"], f"{what}.purposes", PURPOSES),
    )
    return values, common


def _frequency(reader: NodeReader, codes: _Codes, what: str, node: yaml.Node) -> FrequencyLimit:
    values, common = _common(reader, codes, what, node, ("max_attempts", "window_days", "address"))
    address = reader.scalar(values["address"], f"{what}.address")
    if address not in ADDRESS_SCOPES:
        raise reader.fail(
            values["address"],
            f"bad value {address!r} for {what}.address: expected {', '.join(ADDRESS_SCOPES)}",
        )
    return FrequencyLimit(
        *common,
        max_attempts=reader.integer(values["max_attempts"], f"{what}.max_attempts", 1),
        window_days=reader.integer(values["window_days"], f"{what}.window_days", 1),
        address=address,
    )


def _consent(reader: NodeReader, codes: _Codes, what: str, node: yaml.Node) -> ConsentRule:
    values, common = _common(reader, codes, what, node, ("sources",))
    sources = values["sources"]
    if not isinstance(sources, yaml.SequenceNode) or not sources.value:
        raise reader.fail(sources, f"{what}.sources must be a list of at least one source")
    return ConsentRule(
        *common,
        sources=frozenset(reader.string(item, f"{what}.sources") for item in sources.value),
    )


def _disclosure(reader: NodeReader, codes: _Codes, what: str, node: yaml.Node) -> StateDisclosure:
    values, (rule, message, citation, channels, purposes) = _common(
        reader, codes, what, node, ("when", "text", "pattern")
    )
    when = reader.scalar(values["when"], f"{what}.when")
    if when not in DISCLOSURE_WHEN:
        raise reader.fail(
            values["when"],
            f"bad value {when!r} for {what}.when: expected {', '.join(DISCLOSURE_WHEN)}",
        )
    text = reader.string(values["text"], f"{what}.text")
    sample = _fill_sample(reader, values["text"], text, what)
    source = reader.string(values["pattern"], f"{what}.pattern")
    try:
        pattern = re.compile(source, re.IGNORECASE)
    except re.error as exc:
        raise reader.fail(values["pattern"], f"bad pattern for {what}: {exc}") from None
    if pattern.search(""):
        # It would find the disclosure in any message, even one without it.
        raise reader.fail(values["pattern"], f"bad pattern for {what}: it matches an empty text")
    disclosure = Disclosure(name=rule, text=text, pattern=pattern, citation=citation)
    # The text the gateway adds must satisfy the check that asks for it.
    if not disclosure.present_in(sample):
        raise reader.fail(values["pattern"], f"{what}.pattern does not find its own text")
    return StateDisclosure(
        rule=rule,
        message=message,
        channels=channels,
        purposes=purposes,
        when=when,
        disclosure=disclosure,
    )


def _fill_sample(reader: NodeReader, node: yaml.Node, text: str, what: str) -> str:
    """The text with every placeholder filled with a sample value; errors for unknown ones."""
    for name in _PLACEHOLDER.findall(text):
        if name not in PLACEHOLDERS:
            raise reader.fail(
                node,
                f"unknown placeholder {{{name}}} in {what}.text; known: {', '.join(PLACEHOLDERS)}",
            )
    sample = _PLACEHOLDER.sub("X12345", text)
    if "{" in sample or "}" in sample:
        raise reader.fail(node, f"unbalanced brace in {what}.text")
    return sample
