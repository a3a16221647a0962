from typing import Any

import pytest

from policies import CHANNELS, PURPOSES, ConsentState, ContactFacts


def _facts(**overrides: Any) -> ContactFacts:
    fields: dict[str, Any] = {
        "channel": "sms",
        "purpose": "collection",
        "consent": ConsentState.GRANTED,
        "timezones": (),
    }
    return ContactFacts(**(fields | overrides))


def test_vocabularies() -> None:
    assert CHANNELS == ("sms", "email", "voice")
    assert PURPOSES == ("collection", "validation_notice", "transactional", "reply")
    assert [c.value for c in ConsentState] == ["granted", "revoked", "missing"]


def test_flags_default_to_false() -> None:
    facts = _facts()
    assert (
        facts.do_not_contact,
        facts.cease_communication,
        facts.disputed,
        facts.attorney_represented,
    ) == (False, False, False, False)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"channel": "fax"}, ValueError),
        ({"channel": "SMS"}, ValueError),
        ({"purpose": "marketing"}, ValueError),
        ({"consent": "maybe"}, ValueError),
        ({"timezones": ["America/New_York"]}, TypeError),
        ({"timezones": "America/New_York"}, TypeError),
    ],
)
def test_invalid_facts_are_rejected(overrides: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        _facts(**overrides)


@pytest.mark.parametrize("raw", ["granted", "revoked", "missing"])
def test_consent_given_as_string_is_coerced(raw: str) -> None:
    consent = _facts(consent=raw).consent
    assert type(consent) is ConsentState
    assert consent is ConsentState(raw)
