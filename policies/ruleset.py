"""Rule sets: which rules run and with which settings, as YAML compliance can edit.

A ruleset file is a mapping from rule name to that rule's settings. Every rule must be present
and every setting spelled out, so the file alone says what the engine does. Anything unknown
or out of range fails to parse with "<file>:<line>: <problem>"; nothing falls back to a
default. Reading the files is the caller's business (the gateway bundles and caches them):
this module only parses the bytes it is given.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import Any

import yaml

from policies.channels import CHANNELS
from policies.facts import PURPOSES
from policies.rule_settings import (
    AddressProvenanceSettings,
    CallFrequencySettings,
    ChannelCap,
    ChannelCapsSettings,
    ConsentSettings,
    DisclosureSettings,
    DisputeHoldSettings,
    DoNotContactSettings,
    PermittedPurposes,
    QuietHours,
    QuietHoursSettings,
    ReplySettings,
    TimeBarredSettings,
    ValidationNoticeSettings,
    WorkAddressSettings,
)
from policies.ruleset_reader import NodeReader, RulesetError, compose, line_of
from policies.ruleset_sections import (
    address_provenance,
    disclosures,
    enabled_section,
    time_barred,
    validation_notice,
    work_address,
)
from policies.state_overlays import StateOverlay

__all__ = ["RULE_NAMES", "Ruleset", "RulesetError", "parse_ruleset"]


@dataclass(frozen=True, slots=True)
class Ruleset:
    """A parsed ruleset. `digest` is the sha256 of the file's bytes, for the audit log."""

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
    disclosures: DisclosureSettings
    address_provenance: AddressProvenanceSettings
    work_address: WorkAddressSettings
    validation_notice: ValidationNoticeSettings
    time_barred: TimeBarredSettings
    # State overlays (policies/rulesets/states/), attached by whoever loads the ruleset: the
    # engine applies those of every region the consumer may be in.
    overlays: tuple[StateOverlay, ...] = ()

    def ref(self) -> dict[str, Any]:
        """Name and digest (and the overlays'), to store next to each decision."""
        return {
            "name": self.name,
            "digest": self.digest,
            "overlays": [overlay.ref() for overlay in self.overlays],
        }

    def with_overlays(self, overlays: tuple[StateOverlay, ...]) -> Ruleset:
        """This ruleset with state overlays on top (kept in region order)."""
        return replace(self, overlays=tuple(sorted(overlays, key=lambda o: o.region)))

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
        return max([max(windows) + 2, *(overlay.lookback_days for overlay in self.overlays)])


def parse_ruleset(data: bytes, path: str) -> Ruleset:
    """Validate ruleset YAML and build the Ruleset.

    `path` names the file in errors, and its stem names the ruleset; nothing is read from it.
    Raises RulesetError (a ValueError) with the file and line of the first problem.
    """
    root = compose(data, path)
    reader = NodeReader(path)
    sections = reader.mapping(root, "the ruleset")
    description = ""
    if "description" in sections:
        _, value = sections.pop("description")
        description = reader.string(value, "description")
    built: dict[str, Any] = {}
    for name, (key, value) in sections.items():  # in file order, so errors come top down
        if name not in _SECTIONS:
            raise RulesetError(
                path, line_of(key), f"unknown rule {name!r}; known rules: {', '.join(_SECTIONS)}"
            )
        built[name] = _SECTIONS[name](reader, name, value)
    for name in _SECTIONS:
        if name not in built:
            raise RulesetError(path, line_of(root), f"rule {name!r} is missing")
    return Ruleset(
        name=PurePath(path).stem,
        digest=hashlib.sha256(data).hexdigest(),
        path=path,
        description=description,
        **built,
    )


def _do_not_contact(reader: NodeReader, name: str, node: yaml.Node) -> DoNotContactSettings:
    _, enabled = enabled_section(reader, name, node, ())
    return DoNotContactSettings(enabled=enabled)


def _permitted(reader: NodeReader, name: str, node: yaml.Node) -> PermittedPurposes:
    values, enabled = enabled_section(reader, name, node, ("permitted_purposes",))
    return PermittedPurposes(
        enabled=enabled,
        permitted_purposes=reader.names(
            values["permitted_purposes"], f"{name}.permitted_purposes", PURPOSES
        ),
    )


def _dispute_hold(reader: NodeReader, name: str, node: yaml.Node) -> DisputeHoldSettings:
    values, enabled = enabled_section(reader, name, node, ("blocked_purposes",))
    return DisputeHoldSettings(
        enabled=enabled,
        blocked_purposes=reader.names(
            values["blocked_purposes"], f"{name}.blocked_purposes", PURPOSES
        ),
    )


def _consent(reader: NodeReader, name: str, node: yaml.Node) -> ConsentSettings:
    values, enabled = enabled_section(reader, name, node, ("express_consent_channels",))
    return ConsentSettings(
        enabled=enabled,
        express_consent_channels=reader.names(
            values["express_consent_channels"], f"{name}.express_consent_channels", CHANNELS
        ),
    )


def _quiet_hours(reader: NodeReader, name: str, node: yaml.Node) -> QuietHoursSettings:
    values, enabled = enabled_section(reader, name, node, ("start", "end", "channels"))
    start = reader.clock(values["start"], f"{name}.start")
    end = reader.clock(values["end"], f"{name}.end")
    if not start < end:
        raise reader.fail(values["end"], f"{name}.end must be later in the day than start")
    return QuietHoursSettings(
        enabled=enabled,
        window=QuietHours(start=start, end=end),
        channels=reader.names(values["channels"], f"{name}.channels", CHANNELS),
    )


def _call_frequency(reader: NodeReader, name: str, node: yaml.Node) -> CallFrequencySettings:
    keys = (
        "max_attempts",
        "window_days",
        "after_conversation_days",
        "purposes",
        "count_unconnected",
    )
    values, enabled = enabled_section(reader, name, node, keys)
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


def _channel_caps(reader: NodeReader, name: str, node: yaml.Node) -> ChannelCapsSettings:
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


def _reply(reader: NodeReader, name: str, node: yaml.Node) -> ReplySettings:
    values, enabled = enabled_section(reader, name, node, ("quiet_hours_grace_minutes", "channels"))
    return ReplySettings(
        enabled=enabled,
        quiet_hours_grace_minutes=reader.integer(
            values["quiet_hours_grace_minutes"], f"{name}.quiet_hours_grace_minutes", 0
        ),
        channels=reader.names(values["channels"], f"{name}.channels", CHANNELS),
    )


# Rule name -> builder, in the order the engine reports reasons.
_SECTIONS: dict[str, Callable[[NodeReader, str, yaml.Node], Any]] = {
    "do_not_contact": _do_not_contact,
    "cease_communication": _permitted,
    "dispute_hold": _dispute_hold,
    "attorney_represented": _permitted,
    "consent": _consent,
    "quiet_hours": _quiet_hours,
    "call_frequency": _call_frequency,
    "channel_caps": _channel_caps,
    "reply": _reply,
    "disclosures": disclosures,
    "address_provenance": address_provenance,
    "work_address": work_address,
    "validation_notice": validation_notice,
    "time_barred": time_barred,
}
RULE_NAMES = tuple(_SECTIONS)
