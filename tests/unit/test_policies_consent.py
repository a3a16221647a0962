from datetime import UTC, datetime

import pytest

from policies import PURPOSES, ConsentState, ContactFacts
from policies.consent import check_consent

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
    ],
)
@pytest.mark.parametrize("purpose", PURPOSES)
def test_consent_per_channel(
    channel: str, consent: ConsentState, expected: tuple[str, str] | None, purpose: str
) -> None:
    facts = ContactFacts(channel=channel, purpose=purpose, consent=consent, timezones=())
    reasons = check_consent(facts, NOW)
    if expected is None:
        assert reasons == []
    else:
        (reason,) = reasons
        assert (reason.rule, reason.citation) == expected
        assert channel in reason.message


@pytest.mark.parametrize("channel", ["sms", "voice", "email"])
@pytest.mark.parametrize("consent", list(ConsentState))
def test_no_valid_contact_point_blocks_whatever_the_consent(
    channel: str, consent: ConsentState
) -> None:
    facts = ContactFacts(
        channel=channel, purpose="collection", consent=consent, timezones=(), contact_valid=False
    )
    (reason,) = check_consent(facts, NOW)
    assert reason.rule == "invalid_contact"
    assert channel in reason.message
