"""Typed reading of a composed ruleset YAML document, every error naming its file and line.

The ruleset is composed into nodes rather than loaded into Python values so that each value
keeps its line (for the error message) and its raw text (YAML 1.1 would read an unquoted
21:00 as the integer 1260, and `yes` as true).
"""

from __future__ import annotations

import re
from datetime import time

import yaml

_INT = re.compile(r"[+-]?[0-9]+")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")


class RulesetError(ValueError):
    """A ruleset file that cannot be used, with the file and 1-based line of the problem."""

    def __init__(self, path: str, line: int, problem: str) -> None:
        super().__init__(f"{path}:{line}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


def line_of(node: yaml.Node) -> int:
    """The 1-based line a node starts on."""
    return int(node.start_mark.line) + 1


def compose(data: bytes, path: str) -> yaml.Node:
    """Compose UTF-8 YAML into its node tree; RulesetError for bad text or an empty document."""
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
    return root


class NodeReader:
    """Typed access to the composed nodes of one file, raising RulesetError at the node's line."""

    def __init__(self, path: str) -> None:
        self.path = path
        # Value node -> its key node, so a missing setting is reported at the rule's name.
        self.keys: dict[int, yaml.Node] = {}

    def fail(self, node: yaml.Node, problem: str) -> RulesetError:
        """The error to raise for `problem` at `node`."""
        return RulesetError(self.path, line_of(node), problem)

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """A mapping with unique string keys, as name -> (key node, value node) in file order."""
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
        """The raw text of a single value, whatever YAML would have made of it."""
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"{what} must be a single value")
        return str(node.value)

    def string(self, node: yaml.Node, what: str) -> str:
        """A value YAML reads as a string (not a number, boolean or list)."""
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            raise self.fail(node, f"{what} must be a string")
        return str(node.value)

    def boolean(self, node: yaml.Node, what: str) -> bool:
        """Exactly true or false: YAML 1.1's yes, on and 1 are refused as too easy to misread."""
        text = self.scalar(node, what)
        if node.tag != "tag:yaml.org,2002:bool" or text.lower() not in ("true", "false"):
            raise self.fail(node, f"bad value {text!r} for {what}: expected true or false")
        return text.lower() == "true"

    def integer(self, node: yaml.Node, what: str, minimum: int) -> int:
        """An unquoted whole number, at least `minimum`."""
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
        """A local wall-clock time written HH:MM, quoted or not."""
        # Read the raw text: YAML 1.1 would turn an unquoted 21:00 into the integer 1260.
        text = self.scalar(node, what)
        match = _TIME.fullmatch(text)
        if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise self.fail(node, f"bad time {text!r} for {what}: expected HH:MM, 00:00-23:59")
        return time(int(match.group(1)), int(match.group(2)))

    def names(self, node: yaml.Node, what: str, vocabulary: tuple[str, ...]) -> frozenset[str]:
        """A list of distinct names, each one of `vocabulary`."""
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
