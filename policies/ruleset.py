"""Rule sets: which rules run and with which settings, as YAML files compliance can edit.

A ruleset file is a mapping from rule name to that rule's settings. Every rule must be present
and every setting spelled out, so the file alone says what the engine does. Anything unknown
or out of range fails at load with "<file>:<line>: <problem>"; nothing falls back to a default.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from policies.facts import CHANNELS, PURPOSES
from policies.rule_settings import (
    CallFrequencySettings,
    ChannelCap,
    ChannelCapsSettings,
    ConsentSettings,
    DisputeHoldSettings,
    DoNotContactSettings,
    PermittedPurposes,
    QuietHours,
    QuietHoursSettings,
    ReplySettings,
)

RULESETS = ("reg_f_third_party", "first_party_creditor")
DEFAULT_RULESET = "reg_f_third_party"
RULESET_DIR = Path(__file__).parent / "rulesets"
COLLECTOR_TYPES = {"third_party": "reg_f_third_party", "first_party": "first_party_creditor"}


class RulesetError(ValueError):
    """A ruleset file that cannot be used, with the file and 1-based line of the problem."""

    def __init__(self, path: str | Path, line: int, problem: str) -> None:
        super().__init__(f"{path}:{line}: {problem}")
        self.path = str(path)
        self.line = line
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Ruleset:
    """A loaded ruleset. `digest` is the sha256 of the file's bytes, for the audit log."""

    name: str
    digest: str
    path: str
    description: str
    do_not_contact: DoNotContactSettings
    cease_communication: PermittedPurposes
    dispute_hold: DisputeHoldSettings
    attorney_represented: PermittedPurposes
    consent: ConsentSettings
    quiet_hours: QuietHoursSettings
    call_frequency: CallFrequencySettings
    channel_caps: ChannelCapsSettings
    reply: ReplySettings

    def ref(self) -> dict[str, str]:
        """Name and digest, to store next to each decision."""
        return {"name": self.name, "digest": self.digest}

    @property
    def lookback_days(self) -> int:
        """How many days of contact history can change a decision under this ruleset.

        The longest window of any rule, plus two days because windows are calendar days in
        the consumer's zones, which may lie a day on either side of UTC.
        """
        windows = [
            self.call_frequency.window_days,
            self.call_frequency.after_conversation_days,
            *(cap.window_days for cap in self.channel_caps.limits),
        ]
        return max(windows) + 2


def load_ruleset(name_or_path: str | Path) -> Ruleset:
    """Load a bundled ruleset by name (see RULESETS) or a ruleset file by path; cached.

    Raises RulesetError (a ValueError) for a file that does not validate, ValueError for an
    unknown name or a file that cannot be read.
    """
    if isinstance(name_or_path, Path):
        return _load_path(str(name_or_path.resolve()))
    if name_or_path in RULESETS:
        return _load_path(str(RULESET_DIR / f"{name_or_path}.yaml"))
    if "/" in name_or_path or name_or_path.endswith((".yaml", ".yml")):
        return _load_path(str(Path(name_or_path).resolve()))
    raise ValueError(
        f"unknown ruleset {name_or_path!r}: expected one of {', '.join(RULESETS)} or a file path"
    )


@cache
def default_ruleset() -> Ruleset:
    """The ruleset used when none is given: reg_f_third_party."""
    return load_ruleset(DEFAULT_RULESET)


@cache  # on every decision: resolving the path each time showed in profiles
def ruleset_for(collector_type: str, override: str | Path | None = None) -> Ruleset:
    """The ruleset of an account: `override` (a name or path from settings) if given, else
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


@lru_cache(maxsize=64)
def _load_path(path: str) -> Ruleset:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read ruleset {path}: {exc.strerror or exc}") from None
    return parse_ruleset(data, path)


def parse_ruleset(data: bytes, path: str) -> Ruleset:
    """Validate ruleset YAML and build the Ruleset; `path` names the file in errors."""
    try:
        root = yaml.compose(data.decode("utf-8"), Loader=yaml.SafeLoader)
    except UnicodeDecodeError as exc:
        raise RulesetError(path, 1, f"not UTF-8 text: {exc.reason}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise RulesetError(path, line, f"invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise RulesetError(path, 1, f"invalid YAML: {exc}") from None
    if root is None:
        raise RulesetError(path, 1, "empty ruleset")
    reader = _Reader(path)
    sections = reader.mapping(root, "the ruleset")
    description = ""
    if "description" in sections:
        key, value = sections.pop("description")
        description = reader.string(value, "description")
    built: dict[str, Any] = {}
    for name, (key, value) in sections.items():  # in file order, so errors come top down
        if name not in _SECTIONS:
            raise RulesetError(
                path, _line(key), f"unknown rule {name!r}; known rules: {', '.join(_SECTIONS)}"
            )
        built[name] = _SECTIONS[name](reader, name, value)
    for name in _SECTIONS:
        if name not in built:
            raise RulesetError(path, _line(root), f"rule {name!r} is missing")
    return Ruleset(
        name=Path(path).stem,
        digest=hashlib.sha256(data).hexdigest(),
        path=path,
        description=description,
        **built,
    )


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


_INT = re.compile(r"[+-]?[0-9]+")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")


class _Reader:
    """Typed access to composed YAML nodes, raising RulesetError at the node's line."""

    def __init__(self, path: str) -> None:
        self.path = path
        # Value node -> its key node, so a missing setting is reported at the rule's name.
        self.keys: dict[int, yaml.Node] = {}

    def fail(self, node: yaml.Node, problem: str) -> RulesetError:
        return RulesetError(self.path, _line(node), problem)

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping")
        result: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag != "tag:yaml.org,2002:str":
                raise self.fail(key, f"keys of {what} must be names")
            if key.value in result:
                raise self.fail(key, f"duplicate key {key.value!r} in {what}")
            result[key.value] = (key, value)
            self.keys[id(value)] = key
        return result

    def section(
        self, node: yaml.Node, name: str, keys: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, yaml.Node]:
        """A rule's settings: every one of `keys`, any of `optional`, nothing else."""
        entries = self.mapping(node, f"rule {name!r}")
        for key, (key_node, _) in entries.items():
            if key not in keys and key not in optional:
                known = ", ".join((*keys, *optional))
                raise self.fail(key_node, f"unknown key {key!r} in rule {name!r}; known: {known}")
        for key in keys:
            if key not in entries:
                at = self.keys.get(id(node), node)
                raise self.fail(at, f"rule {name!r} is missing key {key!r}")
        return {key: value for key, (_, value) in entries.items()}

    def scalar(self, node: yaml.Node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"{what} must be a single value")
        return str(node.value)

    def string(self, node: yaml.Node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            raise self.fail(node, f"{what} must be a string")
        return str(node.value)

    def boolean(self, node: yaml.Node, what: str) -> bool:
        text = self.scalar(node, what)
        if node.tag != "tag:yaml.org,2002:bool" or text.lower() not in ("true", "false"):
            raise self.fail(node, f"bad value {text!r} for {what}: expected true or false")
        return text.lower() == "true"

    def integer(self, node: yaml.Node, what: str, minimum: int) -> int:
        text = self.scalar(node, what)
        if node.tag != "tag:yaml.org,2002:int" or not _INT.fullmatch(text):
            raise self.fail(node, f"bad value {text!r} for {what}: expected a whole number")
        value = int(text)
        if value < 0:
            raise self.fail(node, f"bad value {text!r} for {what}: must not be negative")
        if value < minimum:
            raise self.fail(node, f"bad value {text!r} for {what}: must be at least {minimum}")
        return value

    def clock(self, node: yaml.Node, what: str) -> time:
        # Read the raw text: YAML 1.1 would turn an unquoted 21:00 into the integer 1260.
        text = self.scalar(node, what)
        match = _TIME.fullmatch(text)
        if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise self.fail(node, f"bad time {text!r} for {what}: expected HH:MM, 00:00-23:59")
        return time(int(match.group(1)), int(match.group(2)))

    def names(self, node: yaml.Node, what: str, vocabulary: tuple[str, ...]) -> frozenset[str]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{what} must be a list")
        seen: set[str] = set()
        for item in node.value:
            text = self.scalar(item, what)
            if text not in vocabulary:
                raise self.fail(
                    item, f"unknown value {text!r} in {what}; expected {', '.join(vocabulary)}"
                )
            if text in seen:
                raise self.fail(item, f"{text!r} is listed twice in {what}")
            seen.add(text)
        return frozenset(seen)


def _enabled(
    reader: _Reader, name: str, node: yaml.Node, keys: tuple[str, ...]
) -> tuple[dict[str, yaml.Node], bool]:
    values = reader.section(node, name, ("enabled", *keys))
    return values, reader.boolean(values["enabled"], f"{name}.enabled")


def _do_not_contact(reader: _Reader, name: str, node: yaml.Node) -> DoNotContactSettings:
    _, enabled = _enabled(reader, name, node, ())
    return DoNotContactSettings(enabled=enabled)


def _permitted(reader: _Reader, name: str, node: yaml.Node) -> PermittedPurposes:
    values, enabled = _enabled(reader, name, node, ("permitted_purposes",))
    return PermittedPurposes(
        enabled=enabled,
        permitted_purposes=reader.names(
            values["permitted_purposes"], f"{name}.permitted_purposes", PURPOSES
        ),
    )


def _dispute_hold(reader: _Reader, name: str, node: yaml.Node) -> DisputeHoldSettings:
    values, enabled = _enabled(reader, name, node, ("blocked_purposes",))
    return DisputeHoldSettings(
        enabled=enabled,
        blocked_purposes=reader.names(
            values["blocked_purposes"], f"{name}.blocked_purposes", PURPOSES
        ),
    )


def _consent(reader: _Reader, name: str, node: yaml.Node) -> ConsentSettings:
    values, enabled = _enabled(reader, name, node, ("express_consent_channels",))
    return ConsentSettings(
        enabled=enabled,
        express_consent_channels=reader.names(
            values["express_consent_channels"], f"{name}.express_consent_channels", CHANNELS
        ),
    )


def _quiet_hours(reader: _Reader, name: str, node: yaml.Node) -> QuietHoursSettings:
    values, enabled = _enabled(reader, name, node, ("start", "end", "channels"))
    start = reader.clock(values["start"], f"{name}.start")
    end = reader.clock(values["end"], f"{name}.end")
    if not start < end:
        raise reader.fail(values["end"], f"{name}.end must be later in the day than start")
    return QuietHoursSettings(
        enabled=enabled,
        window=QuietHours(start=start, end=end),
        channels=reader.names(values["channels"], f"{name}.channels", CHANNELS),
    )


def _call_frequency(reader: _Reader, name: str, node: yaml.Node) -> CallFrequencySettings:
    keys = (
        "max_attempts",
        "window_days",
        "after_conversation_days",
        "purposes",
        "count_unconnected",
    )
    values, enabled = _enabled(reader, name, node, keys)
    return CallFrequencySettings(
        enabled=enabled,
        max_attempts=reader.integer(values["max_attempts"], f"{name}.max_attempts", 1),
        window_days=reader.integer(values["window_days"], f"{name}.window_days", 1),
        after_conversation_days=reader.integer(
            values["after_conversation_days"], f"{name}.after_conversation_days", 1
        ),
        purposes=reader.names(values["purposes"], f"{name}.purposes", PURPOSES),
        count_unconnected=reader.boolean(values["count_unconnected"], f"{name}.count_unconnected"),
    )


def _channel_caps(reader: _Reader, name: str, node: yaml.Node) -> ChannelCapsSettings:
    values = reader.section(node, name, ("enabled", "purposes"), CHANNELS)
    limits = []
    for channel in CHANNELS:
        if channel not in values:
            continue
        what = f"{name}.{channel}"
        cap = reader.section(values[channel], what, ("max", "window_days"))
        limits.append(
            ChannelCap(
                channel=channel,
                max=reader.integer(cap["max"], f"{what}.max", 1),
                window_days=reader.integer(cap["window_days"], f"{what}.window_days", 1),
            )
        )
    return ChannelCapsSettings(
        enabled=reader.boolean(values["enabled"], f"{name}.enabled"),
        purposes=reader.names(values["purposes"], f"{name}.purposes", PURPOSES),
        limits=tuple(limits),
    )


def _reply(reader: _Reader, name: str, node: yaml.Node) -> ReplySettings:
    values, enabled = _enabled(reader, name, node, ("quiet_hours_grace_minutes", "channels"))
    return ReplySettings(
        enabled=enabled,
        quiet_hours_grace_minutes=reader.integer(
            values["quiet_hours_grace_minutes"], f"{name}.quiet_hours_grace_minutes", 0
        ),
        channels=reader.names(values["channels"], f"{name}.channels", CHANNELS),
    )


# Rule name -> builder, in the order the engine reports reasons.
_SECTIONS: dict[str, Callable[[_Reader, str, yaml.Node], Any]] = {
    "do_not_contact": _do_not_contact,
    "cease_communication": _permitted,
    "dispute_hold": _dispute_hold,
    "attorney_represented": _permitted,
    "consent": _consent,
    "quiet_hours": _quiet_hours,
    "call_frequency": _call_frequency,
    "channel_caps": _channel_caps,
    "reply": _reply,
}
RULE_NAMES = tuple(_SECTIONS)
