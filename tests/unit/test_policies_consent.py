from dataclasses import replace
from datetime import UTC, datetime

import pytest
from rulesets import FIRST_PARTY, REG_F

from policies import CHANNELS, PURPOSES, ConsentState, ContactFacts
from policies.consent import check_consent
from policies.rule_settings import ConsentSettings
from policies.ruleset import Ruleset

NOW = datetime(2024, 1, 15, 18, 0, tzinfo=UTC)
TCPA_AND_REG_F = "47 U.S.C. 227 (TCPA); 12 CFR 1006.6(e)"


@pytest.mark.parametrize(
    ("channel", "consent", "expected"),
    [
        ("sms", ConsentState.GRANTED, None),
        ("sms", ConsentState.REVOKED, ("opted_out", TCPA_AND_REG_F)),
        ("sms", ConsentState.MISSING, ("consent_missing", "47 U.S.C. 227(b)(1) (TCPA)")),
        ("voice", ConsentState.GRANTED, None),
        ("voice", ConsentState.REVOKED, ("opted_out", TCPA_AND_REG_F)),
        ("voice", ConsentState.MISSING, ("consent_missing", "47 U.S.C. 227(b)(1) (TCPA)")),
        ("email", ConsentState.GRANTED, None),
        ("email", ConsentState.REVOKED, ("opted_out", "12 CFR 1006.6(e)")),
        # An email address the consumer provided suffices (12 CFR 1006.6(d)(4)).
        ("email", ConsentState.MISSING, None),
        # A chat session the consumer opened needs no express consent; a STOP typed in it
        # is an electronic opt-out like any other.
        ("chat", ConsentState.GRANTED, None),
        ("chat", ConsentState.REVOKED, ("opted_out", "12 CFR 1006.6(e)")),
        ("chat", ConsentState.MISSING, None),
    ],
)
@pytest.mark.parametrize("purpose", PURPOSES)
def test_consent_per_channel(
    channel: str, consent: ConsentState, expected: tuple[str, str] | None, purpose: str
) -> None:
    facts = ContactFacts(channel=channel, purpose=purpose, consent=consent, timezones=())
    reasons = check_consent(facts, NOW, REG_F)
    if expected is None:
        assert reasons == []
    else:
        (reason,) = reasons
        assert (reason.rule, reason.citation) == expected
        assert channel in reason.message


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("consent", list(ConsentState))
def test_no_valid_contact_point_blocks_whatever_the_consent(
    channel: str, consent: ConsentState
) -> None:
    facts = ContactFacts(
        channel=channel, purpose="collection", consent=consent, timezones=(), contact_valid=False
    )
    (reason,) = check_consent(facts, NOW, REG_F)
    assert reason.rule == "invalid_contact"
    assert channel in reason.message


@pytest.mark.parametrize(
    ("settings", "channel", "consent", "expected"),
    [
        (
            ConsentSettings(True, frozenset({"sms", "voice", "email"})),
            "email",
            "missing",
            "consent_missing",
        ),
        (ConsentSettings(True, frozenset({"sms"})), "voice", "missing", None),
        (ConsentSettings(True, frozenset({"sms"})), "voice", "revoked", "opted_out"),
        (ConsentSettings(False, frozenset({"sms", "voice"})), "sms", "missing", None),
        (ConsentSettings(False, frozenset({"sms", "voice"})), "sms", "revoked", None),
    ],
)
def test_consent_follows_the_ruleset(
    settings: ConsentSettings, channel: str, consent: str, expected: str | None
) -> None:
    facts = ContactFacts(
        channel=channel, purpose="collection", consent=ConsentState(consent), timezones=()
    )
    reasons = check_consent(facts, NOW, replace(REG_F, consent=settings))
    assert [r.rule for r in reasons] == ([] if expected is None else [expected])


def test_invalid_contact_blocks_even_with_consent_rules_disabled() -> None:
    facts = ContactFacts(
        channel="sms",
        purpose="collection",
        consent=ConsentState.GRANTED,
        timezones=(),
        contact_valid=False,
    )
    disabled = replace(REG_F, consent=ConsentSettings(False, frozenset()))
    assert [r.rule for r in check_consent(facts, NOW, disabled)] == ["invalid_contact"]


@pytest.mark.parametrize(
    ("channel", "noun"),
    [("sms", "number"), ("voice", "number"), ("email", "address"), ("chat", "address")],
)
def test_missing_consent_message_names_the_contact_point(channel: str, noun: str) -> None:
    everything = replace(REG_F, consent=ConsentSettings(True, frozenset(CHANNELS)))
    facts = ContactFacts(
        channel=channel, purpose="collection", consent=ConsentState.MISSING, timezones=()
    )
    (reason,) = check_consent(facts, NOW, everything)
    assert reason.message == f"No prior express consent is on record for {channel} to this {noun}"


@pytest.mark.parametrize("ruleset", [REG_F, FIRST_PARTY], ids=lambda r: r.name)
@pytest.mark.parametrize("purpose", PURPOSES)
def test_chat_needs_no_express_consent_in_either_bundled_ruleset(
    ruleset: Ruleset, purpose: str
) -> None:
    assert "chat" not in ruleset.consent.express_consent_channels
    facts = ContactFacts(
        channel="chat", purpose=purpose, consent=ConsentState.MISSING, timezones=()
    )
    assert check_consent(facts, NOW, ruleset) == []


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_revocation_blocks_every_channel(channel: str) -> None:
    facts = ContactFacts(
        channel=channel, purpose="reply", consent=ConsentState.REVOKED, timezones=()
    )
    (reason,) = check_consent(facts, NOW, REG_F)
    assert reason.rule == "opted_out"
    assert "1006.6(e)" in reason.citation
