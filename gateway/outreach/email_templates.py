"""What an email template must hold besides the disclosures every message kind needs.

An email template is two files: ``email/<name>.j2`` (the header comment, a ``Subject:`` line,
then the plain-text part) and ``email/<name>.html.j2`` (the HTML part, autoescaped). Both parts
carry the collector's identification and a visible unsubscribe link (``{{ unsubscribe_url }}``,
the same per-message URL the ``List-Unsubscribe`` header names, 12 CFR 1006.6(e)); the HTML part
may not switch escaping off. A validation notice names every field of the model notice's
content (12 CFR 1006.34(c)) as a variable, so it cannot render without them.
"""

from __future__ import annotations

import html
import re

HTML_SUFFIX = ".html.j2"
# Where the layout wants sentences the gateway adds (a state's disclosures): before the footer.
DISCLOSURES_MARK = "<!-- parley:disclosures -->"
PROBE_UNSUBSCRIBE = "\x00parley-unsubscribe\x00"
# 12 CFR 1006.34(c): who collects, for whom, what is owed and how it got there, and until when
# it may be disputed; ``itemization`` is the account's (records.account_input.Itemization).
VALIDATION_NOTICE_VARIABLES = frozenset(
    {"collector", "debtor", "creditor", "account_ref", "balance", "itemization", "dispute_deadline"}
)
# What would put unescaped text into the HTML part.
_UNESCAPED = re.compile(r"\|\s*safe\b|autoescape\s+false|\bMarkup\b")
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def html_template_name(name: str) -> str:
    """The HTML part's file of the email template ``name``."""
    return f"email/{name}{HTML_SUFFIX}"


def visible_text(markup: str) -> str:
    """The text a reader sees in an HTML part, for the disclosure checks."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", markup))).strip()


def email_problems(text: str, html_source: str, markup: str, collector_probe: str) -> list[str]:
    """What the two parts of an email template lack (empty: nothing); ``text`` and ``markup``
    are both parts rendered with probe values."""
    problems = []
    if PROBE_UNSUBSCRIBE not in text:
        problems.append("lacks a visible unsubscribe link ({{ unsubscribe_url }}) in the text part")
    if f'href="{PROBE_UNSUBSCRIBE}"' not in markup:
        problems.append(
            'lacks an unsubscribe link (<a href="{{ unsubscribe_url }}">) in the HTML part'
        )
    if collector_probe not in markup:
        problems.append("lacks collector identification ({{ collector.name }}) in the HTML part")
    if _UNESCAPED.search(html_source):
        problems.append("switches escaping off in the HTML part (|safe, autoescape false)")
    return problems


def missing_notice_variables(variables: frozenset[str]) -> list[str]:
    """The model validation notice's fields a validation-notice template does not use."""
    return sorted(VALIDATION_NOTICE_VARIABLES - variables)


def add_html_paragraphs(markup: str, sentences: list[str]) -> str:
    """``markup`` with each sentence added as an escaped paragraph where the layout marks it
    (else just before ``</body>``)."""
    if not sentences:
        return markup
    added = "".join(f"<p>{html.escape(sentence)}</p>\n" for sentence in sentences)
    if DISCLOSURES_MARK in markup:
        return markup.replace(DISCLOSURES_MARK, added + DISCLOSURES_MARK, 1)
    head, body_end, tail = markup.rpartition("</body>")
    return head + added + body_end + tail if body_end else markup + added
