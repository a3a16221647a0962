"""Message templates: Jinja2 files per channel, checked for the required disclosures at load."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from gateway.errors import TemplateError

TEMPLATE_DIR = Path(__file__).with_name("templates")
_PROBE_COLLECTOR = "\x00collector\x00"

# What each channel's rendered text must always carry, whatever the variables are:
# the opt-out instruction (12 CFR 1006.6(e); CTIA) and who is writing (15 U.S.C. 1692e(11)).
REQUIRED_PHRASES: dict[str, tuple[str, ...]] = {
    "sms": ("reply stop to opt out",),
    "email": ("unsubscribe",),
    "voice": (),
}
RESERVED_NAMES = frozenset({"collector", "creditor", "debtor", "balance", "account_ref"})


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready for a channel: subject only for email."""

    body: str
    subject: str | None = None


class TemplateLibrary:
    """Every template of every channel, compiled and checked once at start-up."""

    def __init__(self, root: Path = TEMPLATE_DIR) -> None:
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(root),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # noqa: S701 - plain-text SMS, email and speech, never HTML
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._templates: dict[tuple[str, str], jinja2.Template] = {}
        for channel in REQUIRED_PHRASES:
            for path in sorted((root / channel).glob("[!_]*.j2")):
                template = self._env.get_template(f"{channel}/{path.name}")
                _check_disclosures(channel, path, template)
                self._templates[(channel, path.stem)] = template

    def names(self, channel: str) -> list[str]:
        """Template names available on a channel."""
        return sorted(name for ch, name in self._templates if ch == channel)

    def has(self, channel: str, name: str) -> bool:
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

    def render(self, channel: str, name: str, context: dict[str, Any]) -> Rendered:
        """Render a template; a missing variable raises TemplateError naming it."""
        template = self.require(channel, name)
        try:
            text = template.render(context).strip()
        except jinja2.UndefinedError as exc:
            raise TemplateError(
                f"template {channel}/{name} needs a variable that was not given: {exc.message}",
                details=[{"field": "variables", "message": str(exc.message)}],
            ) from None
        return _split_subject(channel, text)


def _split_subject(channel: str, text: str) -> Rendered:
    if channel != "email":
        return Rendered(body=text)
    first, _, rest = text.partition("\n")
    return Rendered(subject=first.removeprefix("Subject:").strip(), body=rest.strip())


def _check_disclosures(channel: str, path: Path, template: jinja2.Template) -> None:
    # Render with every unknown variable empty: the disclosures must not depend on them.
    probe_env = template.environment.overlay(undefined=jinja2.ChainableUndefined)
    probe = probe_env.from_string(path.read_text(encoding="utf-8"))
    text = probe.render(collector={"name": _PROBE_COLLECTOR, "phone": "", "email": ""})
    missing = [p for p in REQUIRED_PHRASES[channel] if p not in text.lower()]
    if _PROBE_COLLECTOR not in text:
        missing.append("collector identification ({{ collector.name }})")
    if channel == "email" and not text.lstrip().startswith("Subject:"):
        missing.append("a first line 'Subject: ...'")
    if missing:
        raise TemplateError(f"template {path} lacks required content: {', '.join(missing)}")
