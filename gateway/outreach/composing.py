"""An outreach message as it would go out: the template rendered for the account, with the
disclosures the consumer's states add, and the facts the disclosure rules read of it.

Federal disclosures are the template's own (checked when templates load). A state's come from
its overlay, filled with the deployment's values (the collector's name, its California license
number, the debt's owner) and appended; one that cannot be filled is left out, and the policy
check then blocks the message for lacking it rather than send it incomplete.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from gateway.config import Settings
from gateway.outreach.email_templates import add_html_paragraphs
from gateway.outreach.rendering import Rendered, TemplateLibrary
from gateway.outreach.snapshots import AccountSnapshot
from gateway.portal.links import preview_portal_url
from gateway.records.unsubscribe import PREVIEW_MESSAGE_ID, unsubscribe_url
from policies import ConsentState, ContactFacts, MessageFacts, Ruleset
from policies.disclosures import add_disclosures, missing_sentences
from policies.engine import applicable_overlays
from policies.rule_settings import Disclosure
from policies.state_rules import fill_disclosures, state_disclosures


@dataclass(frozen=True, slots=True)
class Composed:
    """The text to store and send, and what the rules read of it."""

    rendered: Rendered
    message: MessageFacts


def compose(
    templates: TemplateLibrary,
    account: AccountSnapshot,
    channel: str,
    template: str,
    variables: Mapping[str, object],
    purpose: str,
    ruleset: Ruleset,
    settings: Settings,
    now: datetime,
    message_id: str | None = None,
    portal_url: str | None = None,
) -> Composed:
    """Render ``template`` for ``account`` on ``channel``; TemplateError when it cannot.

    ``message_id`` is the message's own (its unsubscribe link names it) and ``portal_url`` the
    portal link minted for it; both None when it is only decided on, not sent.
    """
    context = account.template_context(settings.collector, now) | dict(variables)
    context["unsubscribe_url"] = unsubscribe_url(settings, message_id or PREVIEW_MESSAGE_ID)
    context["portal_url"] = portal_url or preview_portal_url(settings)
    rendered = templates.render(channel, template, context)
    meta = templates.meta(channel, template)
    added = state_disclosures_for(account, channel, purpose, ruleset, settings)
    html = rendered.html
    if html is not None:
        html = add_html_paragraphs(html, [d.text for d in missing_sentences(rendered.body, added)])
    rendered = Rendered(
        body=add_disclosures(rendered.body, added), subject=rendered.subject, html=html
    )
    message = MessageFacts(
        text=checked_text(rendered.body, rendered.subject),
        kind=meta.kind,
        initial=account.first_communication_at is None,
        threatens_legal_action=meta.threatens_legal_action,
    )
    return Composed(rendered, message)


def checked_text(body: str, subject: str | None) -> str:
    """What the disclosure rules read of a message: an email's subject counts too."""
    return body if subject is None else f"{subject}\n{body}"


def state_disclosures_for(
    account: AccountSnapshot, channel: str, purpose: str, ruleset: Ruleset, settings: Settings
) -> tuple[Disclosure, ...]:
    """What the consumer's states add to a message on ``channel``, filled in; one that cannot
    be filled is left out (the policy check then blocks the message for lacking it)."""
    values = {"collector_name": settings.collector_name, "owner_name": account.creditor}
    if settings.collector_ca_license:
        values["ca_license_number"] = settings.collector_ca_license
    # Only where the consumer may be and what the debt is matter here: no history, no consent.
    facts = ContactFacts(
        channel=channel,
        purpose=purpose,
        consent=ConsentState.MISSING,
        timezones=(),
        postal_code=account.postal_code,
        phones=account.phones,
        time_barred=account.time_barred,
    )
    try:
        required = state_disclosures(facts, applicable_overlays(facts, ruleset))
    except ValueError:
        return ()  # unreadable location facts: the decision on the same facts blocks
    added: list[Disclosure] = []
    for disclosure in required:
        try:
            added.extend(fill_disclosures((disclosure,), values))
        except ValueError:
            continue  # no value for it here: the check blocks the message for lacking it
    return tuple(added)
