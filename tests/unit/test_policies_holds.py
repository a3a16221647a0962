from datetime import UTC, datetime

import pytest

from policies import PURPOSES, ConsentState, ContactFacts
from policies.holds import check_holds

NOW = datetime(2024, 1, 15, 18, 0, tzinfo=UTC)


def _facts(purpose: str = "collection", **flags: bool) -> ContactFacts:
    return ContactFacts(
        channel="sms", purpose=purpose, consent=ConsentState.GRANTED, timezones=(), **flags
    )


@pytest.mark.parametrize(
    ("flags", "expected_rules"),
    [
        ({}, []),
        ({"do_not_contact": True}, ["do_not_contact"]),
        ({"cease_communication": True}, ["cease_communication"]),
        (
            {"do_not_contact": True, "cease_communication": True},
            ["do_not_contact", "cease_communication"],
        ),
        # Disputes and attorney representation are carried but not yet rules of their own.
        ({"disputed": True, "attorney_represented": True}, []),
    ],
)
def test_flags(flags: dict[str, bool], expected_rules: list[str]) -> None:
    assert [r.rule for r in check_holds(_facts("collection", **flags), NOW)] == expected_rules


@pytest.mark.parametrize("purpose", PURPOSES)
def test_do_not_contact_blocks_every_purpose(purpose: str) -> None:
    (reason,) = check_holds(_facts(purpose, do_not_contact=True), NOW)
    assert reason.rule == "do_not_contact"
    assert reason.citation == "Creditor instruction; FDCPA 15 U.S.C. 1692c"


@pytest.mark.parametrize(
    ("purpose", "blocked"),
    [
        ("collection", True),
        ("validation_notice", True),
        ("reply", True),
        ("transactional", False),
    ],
)
def test_cease_communication_permits_only_transactional_notices(
    purpose: str, blocked: bool
) -> None:
    reasons = check_holds(_facts(purpose, cease_communication=True), NOW)
    if blocked:
        (reason,) = reasons
        assert reason.rule == "cease_communication"
        assert reason.citation == "15 U.S.C. 1692c(c); 12 CFR 1006.6(c)"
        assert purpose in reason.message
    else:
        assert reasons == []
