"""Templates declare their kind and carry its disclosures under every ruleset, or are refused
at load; what a variable takes away at send time is caught by the message check."""

from __future__ import annotations

from pathlib import Path

import pytest
from rulesets import FIRST_PARTY, REG_F

from gateway.errors import TemplateError
from gateway.outreach.rendering import TemplateLibrary, TemplateMeta
from policies import ConsentState, ContactFacts, MessageFacts
from policies.disclosures import check_message

COLLECTOR = {"name": "Acme Recovery", "phone": "+18005550100", "email": "help@acme.example"}
CONTEXT = {
    "collector": COLLECTOR,
    "creditor": "Acme Bank",
    "account_ref": "A-1",
    "balance": {"amount": "10.00", "currency": "USD"},
    "debtor": {"name": "Dana Debtor", "first_name": "Dana"},
    "unsubscribe_url": "https://parley.example/unsubscribe/msg_1.mac",
}
HEADER = "{# parley: kind=collection threatens_legal_action=false #}\n"
DISCLOSED = (
    "We are a debt collector attempting to collect a debt; any information obtained will be "
    "used for that purpose."
)
SMS_OK = f"{{{{ collector.name }}}}: hi. {DISCLOSED} Reply STOP to opt out."
EMAIL_TEXT_OK = (
    f"Subject: Hi\n{{{{ collector.name }}}} says hello. {DISCLOSED} To stop receiving emails "
    "from us, unsubscribe here: {{ unsubscribe_url }}"
)
HTML_OK = (
    f"<p>{{{{ collector.name }}}} says hello. {DISCLOSED}</p><p>To stop receiving emails from "
    'us, <a href="{{ unsubscribe_url }}">unsubscribe</a>.</p>'
)


def write(root: Path, channel: str, name: str, text: str, html: str | None = HTML_OK) -> None:
    """A template file; an email's gets the HTML part ``html`` too (None: none)."""
    (root / channel).mkdir(parents=True, exist_ok=True)
    for other in ("sms", "email", "voice"):
        (root / other).mkdir(exist_ok=True)
    (root / channel / f"{name}.j2").write_text(text)
    if channel == "email" and html is not None:
        (root / channel / f"{name}.html.j2").write_text(html)


def refusal(root: Path) -> str:
    with pytest.raises(TemplateError) as caught:
        TemplateLibrary(root)
    return caught.value.message


def test_shipped_templates_load_and_render() -> None:
    library = TemplateLibrary()
    assert "payment_reminder" in library.names("sms")
    sms = library.render("sms", "payment_reminder", CONTEXT)
    assert sms.body.startswith("Acme Recovery: Hi Dana,")
    assert sms.body.endswith("Reply STOP to opt out.")
    assert "{#" not in sms.body
    email = library.render("email", "payment_reminder", CONTEXT)
    assert email.subject == "Your Acme Bank account"
    assert email.body.endswith(f"unsubscribe here:\n{CONTEXT['unsubscribe_url']}")
    assert email.html is not None
    assert f'<a href="{CONTEXT["unsubscribe_url"]}"' in email.html
    assert "Acme Recovery" in email.html
    assert sms.html is None


def test_the_html_part_is_escaped_and_the_text_part_is_not() -> None:
    context = CONTEXT | {"creditor": "Smith & <Sons>"}
    email = TemplateLibrary().render("email", "payment_reminder", context)
    assert email.subject == "Your Smith & <Sons> account"
    assert "Smith & <Sons>" in email.body
    assert email.html is not None
    assert "Smith &amp; &lt;Sons&gt;" in email.html
    assert "<Sons>" not in email.html


ITEMIZATION = {
    "itemization_date": "2026-01-02",
    "creditor": "Acme Bank",
    "amount": "400.00",
    "interest": "30.10",
    "fees": "2.00",
    "payments": "0.00",
    "credits": "0.00",
}


def test_the_validation_notice_needs_its_itemization() -> None:
    library = TemplateLibrary()
    context = CONTEXT | {"dispute_deadline": "April 14, 2026"}
    with pytest.raises(TemplateError, match="itemization"):
        library.render("email", "validation_notice", context)
    notice = library.render("email", "validation_notice", context | {"itemization": ITEMIZATION})
    for value in ("2026-01-02", "400.00", "30.10", "2.00", "10.00", "April 14, 2026"):
        assert value in notice.body
        assert notice.html is not None
        assert value in notice.html


@pytest.mark.parametrize(
    ("channel", "name", "kind"),
    [
        ("sms", "payment_reminder", "collection"),
        ("sms", "payment_received", "transactional"),
        ("email", "payment_reminder", "collection"),
        ("email", "validation_notice", "validation_notice"),
        ("voice", "payment_reminder", "limited_content"),
    ],
)
def test_shipped_templates_declare_their_kind(channel: str, name: str, kind: str) -> None:
    assert TemplateLibrary().meta(channel, name) == TemplateMeta(kind, False)


def test_the_header_is_read(tmp_path: Path) -> None:
    write(tmp_path, "sms", "x", "{# parley: kind=reply threatens_legal_action=true #}\n" + SMS_OK)
    library = TemplateLibrary(tmp_path)
    assert library.meta("sms", "x") == TemplateMeta("reply", True)
    with pytest.raises(TemplateError, match="no sms template named 'nope'"):
        library.meta("sms", "nope")


@pytest.mark.parametrize(
    ("first_line", "problem"),
    [
        ("Hello {{ collector.name }}", "must start with a header {# parley: kind=<kind>"),
        ("{# kind=collection threatens_legal_action=false #}", "must start with a header"),
        ("{# parley: threatens_legal_action=false #}", "header kind None is not one of"),
        ("{# parley: kind=letter threatens_legal_action=false #}", "header kind 'letter'"),
        ("{# parley: kind=collection #}", "threatens_legal_action None must be true or false"),
        ("{# parley: kind=collection threatens_legal_action=no #}", "'no' must be true or false"),
        ("{# parley: kind=collection lang=en threatens_legal_action=false #}", "'lang=en'"),
        ("{# parley: kind=collection kind=reply threatens_legal_action=false #}", "'kind=reply'"),
        ("{# parley: kind collection threatens_legal_action=false #}", "'kind'"),
    ],
)
def test_a_missing_or_bad_header_is_refused(tmp_path: Path, first_line: str, problem: str) -> None:
    write(tmp_path, "sms", "bad", f"{first_line}\n{SMS_OK}")
    message = refusal(tmp_path)
    assert problem in message
    assert "sms/bad.j2" in message


@pytest.mark.parametrize(
    ("channel", "text", "missing"),
    [
        pytest.param(
            "sms",
            "{{ collector.name }}: please call us. Reply STOP to opt out.",
            "lacks disclosure attempt_to_collect (15 U.S.C. 1692e(11); 12 CFR 1006.18(e)(1)) "
            "for initial collection messages under reg_f_third_party",
            id="no initial disclosure",
        ),
        pytest.param(
            "sms",
            "{{ collector.name }}: This is an attempt to collect a debt; any information "
            "obtained will be used for that purpose. Reply STOP to opt out.",
            "lacks disclosure from_debt_collector (15 U.S.C. 1692e(11); 12 CFR 1006.18(e)(2)) "
            "for subsequent collection messages under reg_f_third_party",
            id="no debt-collector sentence",
        ),
        pytest.param(
            "sms",
            f"{{{{ collector.name }}}}: hi. {DISCLOSED}",
            "lacks disclosure opt_out (12 CFR 1006.6(e)) for initial and subsequent collection "
            "messages under reg_f_third_party",
            id="no opt-out, third party",
        ),
        pytest.param(
            "sms",
            f"{{{{ collector.name }}}}: hi. {DISCLOSED}",
            "lacks disclosure opt_out (47 U.S.C. 227(b); CTIA Messaging Principles and Best "
            "Practices) for initial and subsequent collection messages under "
            "first_party_creditor",
            id="no opt-out, first party",
        ),
        pytest.param(
            "sms",
            "{{ collector.name }}: hi. {{ disclosure }} Reply STOP to opt out.",
            "lacks disclosure from_debt_collector",
            id="disclosure from a variable",
        ),
        pytest.param(
            "sms",
            f"Hi {{{{ debtor.first_name }}}}. {DISCLOSED} Reply STOP to opt out.",
            "lacks collector identification",
            id="no collector",
        ),
        pytest.param(
            "sms",
            f"{{% if balance %}}{{{{ collector.name }}}}{{% endif %}} {DISCLOSED} Reply STOP to "
            "opt out",
            "lacks collector identification",
            id="collector behind a condition",
        ),
        pytest.param(
            "email",
            f"Subject: Hi\n{{{{ collector.name }}}} says hello. {DISCLOSED}",
            "lacks disclosure opt_out",
            id="email without unsubscribe",
        ),
        pytest.param(
            "email",
            f"{{{{ collector.name }}}}: {DISCLOSED} unsubscribe here {{{{ unsubscribe_url }}}}",
            "lacks a first line 'Subject: ...'",
            id="email without subject",
        ),
        pytest.param(
            "email",
            f"Subject: Hi\n{{{{ collector.name }}}} says hello. {DISCLOSED} To stop receiving "
            "emails from us, reply STOP or write to unsubscribe.",
            "lacks a visible unsubscribe link ({{ unsubscribe_url }}) in the text part",
            id="email without the link in its text",
        ),
    ],
)
def test_template_without_disclosure_is_refused_at_load(
    tmp_path: Path, channel: str, text: str, missing: str
) -> None:
    write(tmp_path, channel, "bad", HEADER + text)
    message = refusal(tmp_path)
    assert missing in message
    assert f"{channel}/bad.j2" in message


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        (None, "lacks its HTML part bad.html.j2"),
        (
            f"<p>{{{{ collector.name }}}}: {DISCLOSED}</p>"
            "<p>To stop receiving emails, reply STOP.</p>",
            'lacks an unsubscribe link (<a href="{{ unsubscribe_url }}">) in the HTML part',
        ),
        (
            HTML_OK.replace("{{ collector.name }}", "We"),
            "lacks collector identification ({{ collector.name }}) in the HTML part",
        ),
        (HTML_OK + "{{ debtor.name|safe }}", "switches escaping off in the HTML part"),
        (
            HTML_OK + "{% autoescape false %}{{ creditor }}{% endautoescape %}",
            "switches escaping off in the HTML part",
        ),
        (
            HTML_OK.replace(DISCLOSED, "Hello."),
            "the HTML part lacks disclosure attempt_to_collect",
        ),
    ],
)
def test_an_email_template_needs_an_html_part_with_link_and_collector(
    tmp_path: Path, html: str | None, problem: str
) -> None:
    write(tmp_path, "email", "bad", HEADER + EMAIL_TEXT_OK, html)
    assert problem in refusal(tmp_path)


def test_a_complete_email_template_loads(tmp_path: Path) -> None:
    write(tmp_path, "email", "good", HEADER + EMAIL_TEXT_OK)
    assert TemplateLibrary(tmp_path).names("email") == ["good"]


def test_a_validation_notice_template_must_use_the_model_notice_fields(tmp_path: Path) -> None:
    header = "{# parley: kind=validation_notice threatens_legal_action=false #}\n"
    text = (
        f"Subject: Notice\n{{{{ collector.name }}}}: {DISCLOSED} {{{{ creditor }}}} "
        "{{ balance.amount }} {{ account_ref }} {{ debtor.name }}. This is a communication "
        "from a debt collector. Unsubscribe: {{ unsubscribe_url }}"
    )
    write(tmp_path, "email", "notice", header + text)
    message = refusal(tmp_path)
    assert "lacks the validation notice's {{ itemization }} (12 CFR 1006.34(c))" in message
    assert "lacks the validation notice's {{ dispute_deadline }}" in message


def test_each_ruleset_given_is_checked_and_only_those(tmp_path: Path) -> None:
    root = tmp_path
    # Enough for a first-party creditor, not for a debt collector.
    write(root, "sms", "creditor", HEADER + "{{ collector.name }}: hi. Reply STOP to opt out.")
    assert TemplateLibrary(root, [FIRST_PARTY]).names("sms") == ["creditor"]
    with pytest.raises(TemplateError, match="under reg_f_third_party"):
        TemplateLibrary(root, [FIRST_PARTY, REG_F])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "Hi, this is {{ collector.name }}. Call us about your debt.",
            "under reg_f_third_party (debt; 12 CFR 1006.2(j))",
        ),
        ("This is {{ collector.name }} about {{ creditor }}.", "uses creditor, which no limited"),
        ("{{ collector.name }}: {{ balance.amount }} due.", "uses balance, which no limited"),
        (
            "{{ collector.name }}: This is an attempt to collect a debt.",
            "not a limited-content message under reg_f_third_party (attempt_to_collect;",
        ),
    ],
)
def test_a_limited_content_template_says_nothing_about_a_debt(
    tmp_path: Path, text: str, problem: str
) -> None:
    header = "{# parley: kind=limited_content threatens_legal_action=false #}\n"
    write(tmp_path, "voice", "bad", header + text)
    assert problem in refusal(tmp_path)


def test_a_limited_content_template_is_a_voicemail(tmp_path: Path) -> None:
    write(
        tmp_path,
        "sms",
        "bad",
        "{# parley: kind=limited_content threatens_legal_action=false #}\n"
        "{{ collector.name }}: please call us. Reply STOP to opt out.",
    )
    assert "(channel sms; 12 CFR 1006.2(j))" in refusal(tmp_path)


def test_a_variable_emptied_at_send_time_is_caught_by_the_message_check(tmp_path: Path) -> None:
    # The load-time render has the collector's name, so the template passes; sent with an
    # empty one, its text lacks the disclosures and the send is blocked.
    write(
        tmp_path,
        "sms",
        "fragile",
        HEADER + f"Hi.{{% if collector.name %}} {{{{ collector.name }}}}: {DISCLOSED}"
        "{% endif %} Reply STOP to opt out.",
    )
    library = TemplateLibrary(tmp_path)
    meta = library.meta("sms", "fragile")
    for name, rules in (("Acme", []), ("", ["disclosure_missing"])):
        body = library.render("sms", "fragile", CONTEXT | {"collector": {"name": name}}).body
        facts = ContactFacts(
            channel="sms",
            purpose="collection",
            consent=ConsentState.GRANTED,
            timezones=("America/Chicago",),
            message=MessageFacts(body, meta.kind, initial=False),
        )
        assert [r.rule for r in check_message(facts, REG_F)] == rules


def test_a_template_that_threatens_suit_is_blocked_for_a_time_barred_debt(tmp_path: Path) -> None:
    write(
        tmp_path,
        "sms",
        "final",
        "{# parley: kind=collection threatens_legal_action=true #}\n"
        f"{{{{ collector.name }}}}: we may refer your account to an attorney. {DISCLOSED} "
        "Reply STOP to opt out.",
    )
    library = TemplateLibrary(tmp_path)
    meta = library.meta("sms", "final")
    body = library.render("sms", "final", CONTEXT).body
    for time_barred, rules in ((False, []), (True, ["time_barred_threat"])):
        facts = ContactFacts(
            channel="sms",
            purpose="collection",
            consent=ConsentState.GRANTED,
            timezones=("America/Chicago",),
            time_barred=time_barred,
            message=MessageFacts(body, meta.kind, False, meta.threatens_legal_action),
        )
        assert [r.rule for r in check_message(facts, REG_F)] == rules


def test_missing_variable_names_it(tmp_path: Path) -> None:
    write(tmp_path, "sms", "due", HEADER + SMS_OK.replace("hi.", "due {{ due_date }}."))
    library = TemplateLibrary(tmp_path)
    with pytest.raises(TemplateError) as caught:
        library.render("sms", "due", CONTEXT)
    assert "due_date" in caught.value.message
    assert library.render("sms", "due", CONTEXT | {"due_date": "May 1"}).body.endswith("opt out.")


def test_unknown_template_lists_the_available_ones() -> None:
    with pytest.raises(TemplateError) as caught:
        TemplateLibrary().render("sms", "nope", CONTEXT)
    assert "payment_reminder" in caught.value.details[0]["message"]
