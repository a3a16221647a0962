"""Templates carry the required disclosures or are rejected at load."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.errors import TemplateError
from gateway.outreach.rendering import TemplateLibrary

COLLECTOR = {"name": "Acme Recovery", "phone": "+18005550100", "email": "help@acme.example"}
CONTEXT = {
    "collector": COLLECTOR,
    "creditor": "Acme Bank",
    "account_ref": "A-1",
    "balance": {"amount": "10.00", "currency": "USD"},
    "debtor": {"name": "Dana Debtor", "first_name": "Dana"},
}


def write(root: Path, channel: str, name: str, text: str) -> None:
    (root / channel).mkdir(parents=True, exist_ok=True)
    for other in ("sms", "email", "voice"):
        (root / other).mkdir(exist_ok=True)
    (root / channel / f"{name}.j2").write_text(text)


def test_shipped_templates_load_and_render() -> None:
    library = TemplateLibrary()
    assert "payment_reminder" in library.names("sms")
    sms = library.render("sms", "payment_reminder", CONTEXT)
    assert sms.body.startswith("Acme Recovery:")
    assert sms.body.endswith("Reply STOP to opt out.")
    email = library.render("email", "payment_reminder", CONTEXT)
    assert email.subject == "Your Acme Bank account"
    assert "unsubscribe" in email.body


@pytest.mark.parametrize(
    ("channel", "text", "missing"),
    [
        ("sms", "{{ collector.name }}: please call us.", "reply stop to opt out"),
        ("sms", "Hi {{ debtor.first_name }}. Reply STOP to opt out.", "collector identification"),
        (
            "sms",
            "{% if balance %}{{ collector.name }}{% endif %} Reply STOP to opt out",
            "collector identification",
        ),
        ("email", "Subject: Hi\n{{ collector.name }} says hello.", "unsubscribe"),
        ("email", "{{ collector.name }}: unsubscribe here", "Subject"),
        ("voice", "Please call us back.", "collector identification"),
    ],
)
def test_template_without_disclosure_is_rejected_at_load(
    tmp_path: Path, channel: str, text: str, missing: str
) -> None:
    write(tmp_path, channel, "bad", text)
    with pytest.raises(TemplateError) as caught:
        TemplateLibrary(tmp_path)
    assert missing in caught.value.message
    assert "bad.j2" in caught.value.message


def test_missing_variable_names_it(tmp_path: Path) -> None:
    write(
        tmp_path, "sms", "due", "{{ collector.name }}: due {{ due_date }}. Reply STOP to opt out."
    )
    library = TemplateLibrary(tmp_path)
    with pytest.raises(TemplateError) as caught:
        library.render("sms", "due", CONTEXT)
    assert "due_date" in caught.value.message
    assert library.render("sms", "due", CONTEXT | {"due_date": "May 1"}).body.endswith("opt out.")


def test_unknown_template_lists_the_available_ones() -> None:
    with pytest.raises(TemplateError) as caught:
        TemplateLibrary().render("sms", "nope", CONTEXT)
    assert "payment_reminder" in caught.value.details[0]["message"]
