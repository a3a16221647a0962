from dataclasses import replace
from datetime import UTC, datetime

import pytest
from rulesets import FIRST_PARTY, REG_F

from policies import CHANNELS, PURPOSES, ConsentState, ContactFacts
from policies.holds import check_holds
from policies.rule_settings import DisputeHoldSettings, DoNotContactSettings, PermittedPurposes
from policies.ruleset import Ruleset

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
        ({"disputed": True}, ["dispute_hold"]),
        ({"disputed": True, "validation_recorded": True}, []),
        ({"validation_recorded": True}, []),
        ({"attorney_represented": True}, ["attorney_represented"]),
        (
            {
                "do_not_contact": True,
                "cease_communication": True,
                "disputed": True,
                "attorney_represented": True,
            },
            ["do_not_contact", "cease_communication", "dispute_hold", "attorney_represented"],
        ),
    ],
)
def test_flags(flags: dict[str, bool], expected_rules: list[str]) -> None:
    assert [
        r.rule for r in check_holds(_facts("collection", **flags), NOW, REG_F)
    ] == expected_rules


@pytest.mark.parametrize("purpose", PURPOSES)
def test_do_not_contact_blocks_every_purpose(purpose: str) -> None:
    (reason,) = check_holds(_facts(purpose, do_not_contact=True), NOW, REG_F)
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
    reasons = check_holds(_facts(purpose, cease_communication=True), NOW, REG_F)
    if blocked:
        (reason,) = reasons
        assert reason.rule == "cease_communication"
        assert reason.citation == "15 U.S.C. 1692c(c); 12 CFR 1006.6(c)"
        assert purpose in reason.message
    else:
        assert reasons == []


@pytest.mark.parametrize(
    ("purpose", "validation_recorded", "blocked"),
    [
        ("collection", False, True),
        ("collection", True, False),
        # The validation notice is what lifts the hold; transactional messages and replies
        # are not collection.
        ("validation_notice", False, False),
        ("transactional", False, False),
        ("reply", False, False),
    ],
)
def test_dispute_hold_stops_collection_until_validation_is_recorded(
    purpose: str, validation_recorded: bool, blocked: bool
) -> None:
    facts = ContactFacts(
        channel="email",
        purpose=purpose,
        consent=ConsentState.GRANTED,
        timezones=(),
        disputed=True,
        validation_recorded=validation_recorded,
    )
    reasons = check_holds(facts, NOW, REG_F)
    if blocked:
        (reason,) = reasons
        assert (reason.rule, reason.citation) == ("dispute_hold", "15 U.S.C. 1692g(b)")
        assert "validation" in reason.message
    else:
        assert reasons == []


@pytest.mark.parametrize("purpose", PURPOSES)
def test_attorney_representation_blocks_every_purpose_by_default(purpose: str) -> None:
    (reason,) = check_holds(_facts(purpose, attorney_represented=True), NOW, REG_F)
    assert reason.rule == "attorney_represented"
    assert reason.citation == "15 U.S.C. 1692c(a)(2); 12 CFR 1006.6(b)(2)"
    assert "attorney" in reason.message


@pytest.mark.parametrize(
    ("ruleset", "flags", "purpose", "expected_rules"),
    [
        pytest.param(FIRST_PARTY, {"disputed": True}, "collection", [], id="first party: no hold"),
        pytest.param(
            FIRST_PARTY,
            {"attorney_represented": True, "cease_communication": True, "do_not_contact": True},
            "collection",
            ["do_not_contact", "cease_communication", "attorney_represented"],
            id="first party: other holds stay",
        ),
        pytest.param(
            replace(REG_F, do_not_contact=DoNotContactSettings(enabled=False)),
            {"do_not_contact": True},
            "collection",
            [],
            id="do_not_contact disabled",
        ),
        pytest.param(
            replace(REG_F, cease_communication=PermittedPurposes(True, frozenset({"reply"}))),
            {"cease_communication": True},
            "reply",
            [],
            id="cease: permitted purposes are a setting",
        ),
        pytest.param(
            replace(REG_F, cease_communication=PermittedPurposes(True, frozenset({"reply"}))),
            {"cease_communication": True},
            "transactional",
            ["cease_communication"],
            id="cease: only the listed purposes pass",
        ),
        pytest.param(
            replace(REG_F, dispute_hold=DisputeHoldSettings(True, frozenset({"reply"}))),
            {"disputed": True},
            "reply",
            ["dispute_hold"],
            id="dispute: blocked purposes are a setting",
        ),
        pytest.param(
            replace(
                REG_F, attorney_represented=PermittedPurposes(True, frozenset({"transactional"}))
            ),
            {"attorney_represented": True},
            "transactional",
            [],
            id="attorney: permitted purposes are a setting",
        ),
        pytest.param(
            replace(REG_F, attorney_represented=PermittedPurposes(False, frozenset())),
            {"attorney_represented": True},
            "collection",
            [],
            id="attorney: disabled",
        ),
    ],
)
def test_holds_follow_the_ruleset(
    ruleset: Ruleset, flags: dict[str, bool], purpose: str, expected_rules: list[str]
) -> None:
    reasons = check_holds(_facts(purpose, **flags), NOW, ruleset)
    assert [r.rule for r in reasons] == expected_rules


@pytest.mark.parametrize(
    ("flags", "purpose", "expected_rules"),
    [
        ({"do_not_contact": True}, "reply", ["do_not_contact"]),
        ({"cease_communication": True}, "collection", ["cease_communication"]),
        ({"cease_communication": True}, "transactional", []),
        ({"disputed": True}, "collection", ["dispute_hold"]),
        ({"disputed": True}, "reply", []),
        ({"attorney_represented": True}, "reply", ["attorney_represented"]),
    ],
)
@pytest.mark.parametrize("channel", CHANNELS)
def test_holds_apply_to_every_channel_alike(
    channel: str, flags: dict[str, bool], purpose: str, expected_rules: list[str]
) -> None:
    # Chat included: the consumer opening a session does not lift a hold on the account.
    reasons = check_holds(replace(_facts(purpose, **flags), channel=channel), NOW, REG_F)
    assert [r.rule for r in reasons] == expected_rules
