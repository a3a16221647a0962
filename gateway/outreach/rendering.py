"""Message templates: Jinja2 files per channel, checked at load against every ruleset in use.

Each template starts with a header comment declaring what kind of message it is (which
decides the disclosures it needs, see `policies.disclosures`) and whether it may threaten
legal action (refused for time-barred debts):

    {# parley: kind=collection threatens_legal_action=false #}

Whether a message is the initial communication depends on the account's history, unknown at
load, so a template must carry what its kind needs both as the initial and as a subsequent
communication, under every ruleset it may be sent under.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta

from gateway.errors import TemplateError
from gateway.outreach.email_templates import (
    HTML_SUFFIX,
    PROBE_UNSUBSCRIBE,
    email_problems,
    html_template_name,
    missing_notice_variables,
    visible_text,
)
from gateway.outreach.rulesets import RULESETS, load_ruleset
from policies import CHANNELS, MESSAGE_KINDS, Ruleset
from policies.disclosures import (
    limited_content_violations,
    missing_sentences,
    required_disclosures,
)

TEMPLATE_DIR = Path(__file__).with_name("templates")
# Stands for the collector's name in the load-time render; no word a content pattern looks for.
_PROBE_COLLECTOR = "\x00parley-probe\x00"
_PROBE_BUSINESS = "\x00parley-business\x00"
_PROBE_CONTACT = "\x00parley-contact\x00"
_HEADER = re.compile(r"\{#\s*parley:(?P<fields>[^#]*)#\}")
_HEADER_SYNTAX = "{# parley: kind=<kind> threatens_legal_action=<true|false> #}"
RESERVED_NAMES = frozenset(
    {
        "collector",
        "creditor",
        "debtor",
        "balance",
        "account_ref",
        "dispute_deadline",
        "itemization",
        "unsubscribe_url",
        "portal_url",
    }
)
# Variables a limited-content message may not use: each tells whoever hears it about the debt.
_DEBT_VARIABLES = frozenset({"creditor", "balance", "account_ref"})


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready for a channel: subject and HTML part only for email."""

    body: str
    subject: str | None = None
    html: str | None = None


@dataclass(frozen=True, slots=True)
class TemplateMeta:
    """What a template declares in its header: its message kind (policies.MESSAGE_KINDS) and
    whether it may threaten legal action."""

    kind: str
    threatens_legal_action: bool


class TemplateLibrary:
    """Every template of every channel, compiled and checked once at start-up.

    `rulesets`: every ruleset a message may be sent under (default: the bundled ones); a
    template must satisfy each of them.
    """

    def __init__(
        self, root: Path = TEMPLATE_DIR, rulesets: Sequence[Ruleset] | None = None
    ) -> None:
        if rulesets is None:
            rulesets = [load_ruleset(name) for name in RULESETS]
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(root),
            undefined=jinja2.StrictUndefined,
            # Plain text for SMS, speech and email's text part; email's HTML part escaped.
            autoescape=jinja2.select_autoescape(
                enabled_extensions=(HTML_SUFFIX.removeprefix("."),), default=False
            ),
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._templates: dict[tuple[str, str], jinja2.Template] = {}
        self._html: dict[str, jinja2.Template] = {}
        self._meta: dict[tuple[str, str], TemplateMeta] = {}
        self._portal: set[tuple[str, str]] = set()
        for channel in CHANNELS:
            for path in sorted((root / channel).glob("[!_]*.j2")):
                if path.name.endswith(HTML_SUFFIX):
                    continue  # an email's HTML part, loaded with its text part
                source = path.read_text(encoding="utf-8")
                meta = _read_header(path, source)
                template = self._env.get_template(f"{channel}/{path.name}")
                if channel == "email":
                    self._html[path.stem] = self._load_html(path)
                _check_content(channel, path, source, self._env, meta, rulesets)
                self._templates[(channel, path.stem)] = template
                self._meta[(channel, path.stem)] = meta
                if _uses(self._env, "portal_url", source, self._html.get(path.stem)):
                    self._portal.add((channel, path.stem))

    def _load_html(self, path: Path) -> jinja2.Template:
        try:
            return self._env.get_template(html_template_name(path.stem))
        except jinja2.TemplateNotFound:
            raise TemplateError(
                f"template {path} is refused: lacks its HTML part {path.stem}{HTML_SUFFIX}"
            ) from None

    def names(self, channel: str) -> list[str]:
        """Template names available on a channel."""
        return sorted(name for ch, name in self._templates if ch == channel)

    def has(self, channel: str, name: str) -> bool:
        """Whether the channel has a template of that name."""
        return (channel, name) in self._templates

    def require(self, channel: str, name: str) -> jinja2.Template:
        """The template, or a TemplateError listing the ones the channel has."""
        template = self._templates.get((channel, name))
        if template is None:
            raise TemplateError(
                f"no {channel} template named {name!r}",
                details=[{"field": "template", "message": f"available: {self.names(channel)}"}],
            )
        return template

    def needs_portal_link(self, channel: str, name: str) -> bool:
        """Whether the template shows ``{{ portal_url }}``: its send mints a link."""
        return (channel, name) in self._portal

    def meta(self, channel: str, name: str) -> TemplateMeta:
        """What the template declares (kind, threatens_legal_action); TemplateError if none."""
        self.require(channel, name)
        return self._meta[(channel, name)]

    def render(self, channel: str, name: str, context: dict[str, Any]) -> Rendered:
        """Render a template; a missing variable raises TemplateError naming it."""
        template = self.require(channel, name)
        try:
            text = template.render(context).strip()
            if channel != "email":
                return Rendered(body=text)
            markup = self._html[name].render(context).strip()
        except jinja2.UndefinedError as exc:
            raise TemplateError(
                f"template {channel}/{name} needs a variable that was not given: {exc.message}",
                details=[{"field": "variables", "message": str(exc.message)}],
            ) from None
        first, _, rest = text.partition("\n")
        subject = first.removeprefix("Subject:").strip()
        return Rendered(body=rest.strip(), subject=subject, html=markup)


def _uses(env: jinja2.Environment, name: str, source: str, html: jinja2.Template | None) -> bool:
    sources = [source]
    if html is not None and html.filename is not None:
        sources.append(Path(html.filename).read_text(encoding="utf-8"))
    return any(name in jinja2.meta.find_undeclared_variables(env.parse(s)) for s in sources)


def _read_header(path: Path, source: str) -> TemplateMeta:
    match = _HEADER.fullmatch(source.partition("\n")[0].strip())
    if match is None:
        raise TemplateError(f"template {path} must start with a header {_HEADER_SYNTAX}")
    fields: dict[str, str] = {}
    for item in match.group("fields").split():
        key, sep, value = item.partition("=")
        if not sep or key in fields or key not in ("kind", "threatens_legal_action"):
            raise TemplateError(f"template {path}: bad header field {item!r}; {_HEADER_SYNTAX}")
        fields[key] = value
    kind = fields.get("kind")
    if kind not in MESSAGE_KINDS:
        raise TemplateError(
            f"template {path}: header kind {kind!r} is not one of {', '.join(MESSAGE_KINDS)}"
        )
    threatens = fields.get("threatens_legal_action")
    if threatens not in ("true", "false"):
        raise TemplateError(
            f"template {path}: header threatens_legal_action {threatens!r} must be true or false"
        )
    return TemplateMeta(kind=kind, threatens_legal_action=threatens == "true")


def _check_content(
    channel: str,
    path: Path,
    source: str,
    env: jinja2.Environment,
    meta: TemplateMeta,
    rulesets: Sequence[Ruleset],
) -> None:
    # Render with every unknown variable empty: the disclosures must not depend on them.
    probe_env = env.overlay(undefined=jinja2.ChainableUndefined)
    probes = {
        "collector": {
            "name": _PROBE_COLLECTOR,
            "business_name": _PROBE_BUSINESS,
            "contact_name": _PROBE_CONTACT,
            "phone": "",
            "email": "",
        },
        "unsubscribe_url": PROBE_UNSUBSCRIBE,
    }
    text = probe_env.from_string(source).render(probes)
    problems: list[str] = []
    variables = frozenset(jinja2.meta.find_undeclared_variables(env.parse(source)))
    if channel == "email":
        html_path = path.with_name(f"{path.stem}{HTML_SUFFIX}")
        html_source = html_path.read_text(encoding="utf-8")
        markup = probe_env.get_template(html_template_name(path.stem)).render(probes)
        problems += email_problems(text, html_source, markup, _PROBE_COLLECTOR)
        problems += [
            f"the HTML part {p}"
            for p in _missing_disclosures(channel, visible_text(markup), meta.kind, rulesets)
        ]
        if meta.kind == "validation_notice":
            problems += [
                f"lacks the validation notice's {{{{ {name} }}}} (12 CFR 1006.34(c))"
                for name in missing_notice_variables(variables)
            ]
    if meta.kind == "limited_content":
        # 1006.2(j)(1): a business name that does not say it collects debts, and a natural
        # person to call back; the collector's own name may say exactly what it must not.
        if _PROBE_COLLECTOR in text:
            problems.append(
                "names the collector ({{ collector.name }}); use collector.business_name"
            )
        if _PROBE_BUSINESS not in text or _PROBE_CONTACT not in text:
            problems.append(
                "lacks {{ collector.business_name }} and {{ collector.contact_name }} "
                "(12 CFR 1006.2(j)(1))"
            )
    elif _PROBE_COLLECTOR not in text:
        problems.append("lacks collector identification ({{ collector.name }})")
    if channel == "email" and not text.lstrip().startswith("Subject:"):
        problems.append("lacks a first line 'Subject: ...'")
    problems.extend(_missing_disclosures(channel, text, meta.kind, rulesets))
    if meta.kind == "limited_content":
        debt_variables = variables & _DEBT_VARIABLES
        if debt_variables:
            problems.append(
                f"uses {', '.join(sorted(debt_variables))}, which no limited-content message "
                "may mention (12 CFR 1006.2(j))"
            )
        for ruleset in rulesets:
            for found in limited_content_violations(ruleset, channel, text):
                problems.append(
                    f"not a limited-content message under {ruleset.name} "
                    f"({found}; 12 CFR 1006.2(j))"
                )
    if problems:
        raise TemplateError(f"template {path} is refused: {'; '.join(dict.fromkeys(problems))}")


def _missing_disclosures(
    channel: str, text: str, kind: str, rulesets: Sequence[Ruleset]
) -> list[str]:
    """Each disclosure the text lacks, with the ruleset and the communications needing it."""
    lacking: dict[tuple[str, str, str], list[str]] = {}
    for ruleset in rulesets:
        for initial, when in ((True, "initial"), (False, "subsequent")):
            required = required_disclosures(ruleset, kind, initial, channel)
            for disclosure in missing_sentences(text, required):
                key = (disclosure.name, disclosure.citation, ruleset.name)
                lacking.setdefault(key, []).append(when)
    return [
        f"lacks disclosure {name} ({citation}) for {' and '.join(whens)} {kind} messages "
        f"under {ruleset}"
        for (name, citation, ruleset), whens in lacking.items()
    ]
