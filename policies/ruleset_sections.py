"""Builders of the ruleset sections about what a message says and where it may go.

The disclosures each kind of message carries, the safe harbors of an electronic address, work
addresses, the validation notice and time-barred debts. Same contract as the sections in
`policies.ruleset`: every key required, unknown keys and bad values rejected at their line.
"""

from __future__ import annotations

import re

import yaml

from policies.facts import MESSAGE_KINDS, PROVENANCES, PURPOSES
from policies.rule_settings import (
    AddressProvenanceSettings,
    ChannelDisclosures,
    Disclosure,
    DisclosureSettings,
    ElectronicDisclosures,
    ForbiddenContent,
    KindDisclosures,
    LimitedContentSettings,
    TimeBarredSettings,
    ValidationNoticeSettings,
    WorkAddressSettings,
)
from policies.ruleset_reader import NodeReader

# The channels 12 CFR 1006.6(e) calls electronic media (texts, email, and other electronic
# media such as chat). A voicemail is not one: it is a telephone attempt (1006.2(j)).
ELECTRONIC_CHANNELS = ("sms", "email", "chat")
LIMITED_CONTENT_CHANNELS = ("voice",)
ADDRESS_ACTIONS = ("block", "warn")
VALIDATION_MODES = ("send", "notify")
_NAME = re.compile(r"[a-z][a-z0-9_]*")


def enabled_section(
    reader: NodeReader, name: str, node: yaml.Node, keys: tuple[str, ...]
) -> tuple[dict[str, yaml.Node], bool]:
    """A rule's settings with its `enabled` flag read, every one of `keys` required."""
    values = reader.section(node, name, ("enabled", *keys))
    return values, reader.boolean(values["enabled"], f"{name}.enabled")


def _choice(reader: NodeReader, node: yaml.Node, what: str, choices: tuple[str, ...]) -> str:
    text = reader.scalar(node, what)
    if text not in choices:
        raise reader.fail(node, f"bad value {text!r} for {what}: expected {' or '.join(choices)}")
    return text


def _pattern(reader: NodeReader, node: yaml.Node, what: str) -> re.Pattern[str]:
    source = reader.string(node, what)
    try:
        pattern = re.compile(source, re.IGNORECASE)
    except re.error as exc:
        raise reader.fail(node, f"bad pattern for {what}: {exc.msg}") from None
    # A pattern that finds something in any text would count a disclosure as present in a
    # message that lacks it (or forbid every message): refused.
    if pattern.search("") is not None:
        raise reader.fail(node, f"bad pattern for {what}: it matches an empty text")
    return pattern


def _named(
    reader: NodeReader, node: yaml.Node, what: str
) -> list[tuple[str, yaml.Node, yaml.Node]]:
    """A mapping whose keys are names the ruleset defines (lowercase, digits, underscores)."""
    entries = []
    for key, (key_node, value) in reader.mapping(node, what).items():
        if not _NAME.fullmatch(key):
            raise reader.fail(key_node, f"bad name {key!r} in {what}: use a-z, 0-9 and _")
        entries.append((key, key_node, value))
    return entries


def _text(reader: NodeReader, name: str, node: yaml.Node) -> Disclosure:
    values = reader.section(node, name, ("text", "pattern", "citation"))
    text = reader.string(values["text"], f"{name}.text")
    pattern = _pattern(reader, values["pattern"], f"{name}.pattern")
    citation = reader.string(values["citation"], f"{name}.citation")
    for key, value in (("text", text), ("citation", citation)):
        if not value.strip():
            raise reader.fail(values[key], f"{name}.{key} must not be empty")
    disclosure = Disclosure(
        name=name.rpartition(".")[2], text=text, pattern=pattern, citation=citation
    )
    # The gateway adds `text` where a message lacks the disclosure: it must then be found.
    if not disclosure.present_in(text):
        raise reader.fail(values["pattern"], f"{name}.pattern does not match its own text")
    return disclosure


def _refs(
    reader: NodeReader, node: yaml.Node, what: str, texts: dict[str, Disclosure]
) -> tuple[Disclosure, ...]:
    """A list of defined disclosure names, kept in file order (the order they are added)."""
    reader.names(node, what, tuple(texts))  # a list of known names, none twice
    items = node.value if isinstance(node, yaml.SequenceNode) else []
    return tuple(texts[reader.scalar(item, what)] for item in items)


def disclosures(reader: NodeReader, name: str, node: yaml.Node) -> DisclosureSettings:
    """The `disclosures` section: texts by name, what each message kind needs, what
    electronic messages add, and what a limited-content message may not say."""
    values, enabled = enabled_section(
        reader, name, node, ("texts", "kinds", "electronic", "limited_content")
    )
    texts = {
        key: _text(reader, f"{name}.texts.{key}", value)
        for key, _, value in _named(reader, values["texts"], f"{name}.texts")
    }
    kinds_node = reader.section(values["kinds"], f"{name}.kinds", MESSAGE_KINDS)
    kinds = []
    for kind in MESSAGE_KINDS:
        what = f"{name}.kinds.{kind}"
        entry = reader.section(kinds_node[kind], what, ("initial", "subsequent"))
        kinds.append(
            KindDisclosures(
                kind=kind,
                initial=_refs(reader, entry["initial"], f"{what}.initial", texts),
                subsequent=_refs(reader, entry["subsequent"], f"{what}.subsequent", texts),
            )
        )
    what = f"{name}.electronic"
    electronic = reader.section(values["electronic"], what, ("kinds", *ELECTRONIC_CHANNELS))
    limited_what = f"{name}.limited_content"
    limited = reader.section(
        values["limited_content"], limited_what, ("channels", "forbidden", "forbidden_content")
    )
    return DisclosureSettings(
        enabled=enabled,
        texts=tuple(texts.values()),
        kinds=tuple(kinds),
        electronic=ElectronicDisclosures(
            kinds=reader.names(electronic["kinds"], f"{what}.kinds", MESSAGE_KINDS),
            channels=tuple(
                ChannelDisclosures(
                    channel, _refs(reader, electronic[channel], f"{what}.{channel}", texts)
                )
                for channel in ELECTRONIC_CHANNELS
            ),
        ),
        limited_content=LimitedContentSettings(
            channels=reader.names(
                limited["channels"], f"{limited_what}.channels", LIMITED_CONTENT_CHANNELS
            ),
            forbidden=_refs(reader, limited["forbidden"], f"{limited_what}.forbidden", texts),
            forbidden_content=tuple(
                ForbiddenContent(
                    key, _pattern(reader, value, f"{limited_what}.forbidden_content.{key}")
                )
                for key, _, value in _named(
                    reader, limited["forbidden_content"], f"{limited_what}.forbidden_content"
                )
            ),
        ),
    )


def address_provenance(reader: NodeReader, name: str, node: yaml.Node) -> AddressProvenanceSettings:
    """The `address_provenance` section (12 CFR 1006.6(d)(4) email, (d)(5) texts)."""
    values, enabled = enabled_section(reader, name, node, ("purposes", "email", "sms"))
    email = reader.section(values["email"], f"{name}.email", ("action", "safe_provenances"))
    sms = reader.section(values["sms"], f"{name}.sms", ("action", "consumer_used_days"))
    return AddressProvenanceSettings(
        enabled=enabled,
        purposes=reader.names(values["purposes"], f"{name}.purposes", PURPOSES),
        email_action=_choice(reader, email["action"], f"{name}.email.action", ADDRESS_ACTIONS),
        email_safe_provenances=reader.names(
            email["safe_provenances"], f"{name}.email.safe_provenances", PROVENANCES
        ),
        sms_action=_choice(reader, sms["action"], f"{name}.sms.action", ADDRESS_ACTIONS),
        sms_consumer_used_days=reader.integer(
            sms["consumer_used_days"], f"{name}.sms.consumer_used_days", 1
        ),
    )


def work_address(reader: NodeReader, name: str, node: yaml.Node) -> WorkAddressSettings:
    """The `work_address` section (12 CFR 1006.22(f)(3))."""
    _, enabled = enabled_section(reader, name, node, ())
    return WorkAddressSettings(enabled=enabled)


def validation_notice(reader: NodeReader, name: str, node: yaml.Node) -> ValidationNoticeSettings:
    """The `validation_notice` section (12 CFR 1006.34)."""
    values, enabled = enabled_section(
        reader, name, node, ("due_days", "mode", "late_disputes_hold")
    )
    return ValidationNoticeSettings(
        enabled=enabled,
        due_days=reader.integer(values["due_days"], f"{name}.due_days", 1),
        mode=_choice(reader, values["mode"], f"{name}.mode", VALIDATION_MODES),
        late_disputes_hold=reader.boolean(
            values["late_disputes_hold"], f"{name}.late_disputes_hold"
        ),
    )


def time_barred(reader: NodeReader, name: str, node: yaml.Node) -> TimeBarredSettings:
    """The `time_barred` section (12 CFR 1006.26(b))."""
    _, enabled = enabled_section(reader, name, node, ())
    return TimeBarredSettings(enabled=enabled)
