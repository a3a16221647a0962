"""Disclosures as data: what each kind of message must carry by collector type, and the
blocking reasons for a message that lacks one, says too much, or threatens suit."""

import re
from dataclasses import replace
from itertools import product

import pytest
from rulesets import FIRST_PARTY, REG_F

from policies import CHANNELS, MESSAGE_KINDS, ConsentState, ContactFacts, MessageFacts, Ruleset
from policies.disclosures import (
    add_disclosures,
    check_message,
    limited_content_violations,
    missing_sentences,
    required_disclosures,
)
from policies.rule_settings import Disclosure

RULESETS = {"third_party": REG_F, "first_party": FIRST_PARTY}
INITIAL = ("attempt_to_collect", "information_used")
SUBSEQUENT = ("from_debt_collector",)
# (collector type, kind, initial) -> the kind's own disclosures, before the electronic ones.
OWN: dict[tuple[str, str, bool], tuple[str, ...]] = {
    ("third_party", "collection", True): INITIAL,
    ("third_party", "collection", False): SUBSEQUENT,
    ("third_party", "validation_notice", True): SUBSEQUENT + INITIAL,
    ("third_party", "validation_notice", False): SUBSEQUENT + INITIAL,
    ("third_party", "limited_content", True): (),
    ("third_party", "limited_content", False): (),
    ("third_party", "transactional", True): INITIAL,
    ("third_party", "transactional", False): SUBSEQUENT,
    ("third_party", "reply", True): INITIAL,
    ("third_party", "reply", False): SUBSEQUENT,
    ("third_party", "opt_out_confirmation", True): (),
    ("third_party", "opt_out_confirmation", False): (),
    # Not debt collectors under the FDCPA: no 1692e(11) disclosure for any kind.
    **{("first_party", kind, initial): () for kind in MESSAGE_KINDS for initial in (True, False)},
}
# (collector type, channel) -> whether the opt-out instruction goes on that channel.
OPT_OUT_CHANNELS = {"third_party": {"sms", "email", "chat"}, "first_party": {"sms"}}
OPT_OUT_KINDS = {"collection", "validation_notice", "transactional", "reply"}
CASES = list(product(RULESETS, MESSAGE_KINDS, (True, False), CHANNELS))
# A limited-content message goes out as a voicemail only: see the limited-content tests.
SENDABLE = [case for case in CASES if case[1] != "limited_content" or case[3] == "voice"]

SMS_FULL = (
    "Acme: Hi Dana, call 800-555-0100. We are a debt collector attempting to collect a debt; "
    "any information obtained will be used for that purpose. Reply STOP to opt out."
)


def _facts(
    text: str,
    kind: str = "collection",
    *,
    initial: bool = False,
    channel: str = "sms",
    threatens: bool = False,
    time_barred: bool = False,
) -> ContactFacts:
    return ContactFacts(
        channel=channel,
        purpose="collection",
        consent=ConsentState.GRANTED,
        timezones=("America/Chicago",),
        time_barred=time_barred,
        message=MessageFacts(
            text=text, kind=kind, initial=initial, threatens_legal_action=threatens
        ),
    )


def _expected(collector: str, kind: str, initial: bool, channel: str) -> tuple[str, ...]:
    own = OWN[(collector, kind, initial)]
    if kind in OPT_OUT_KINDS and channel in OPT_OUT_CHANNELS[collector]:
        return (*own, "opt_out")
    return own


@pytest.mark.parametrize(("collector", "kind", "initial", "channel"), CASES)
def test_required_disclosures_by_collector_kind_communication_and_channel(
    collector: str, kind: str, initial: bool, channel: str
) -> None:
    required = required_disclosures(RULESETS[collector], kind, initial, channel)
    assert tuple(d.name for d in required) == _expected(collector, kind, initial, channel)


@pytest.mark.parametrize(("collector", "kind", "initial", "channel"), SENDABLE)
def test_a_message_with_its_disclosures_passes_and_one_without_each_is_blocked(
    collector: str, kind: str, initial: bool, channel: str
) -> None:
    ruleset = RULESETS[collector]
    required = required_disclosures(ruleset, kind, initial, channel)
    complete = add_disclosures("Hello from Acme.", required)
    facts = _facts(complete, kind, initial=initial, channel=channel)
    assert check_message(facts, ruleset) == []
    for disclosure in required:
        without = complete.replace(disclosure.text, "")
        (reason,) = check_message(_facts(without, kind, initial=initial, channel=channel), ruleset)
        assert reason.rule == "disclosure_missing"
        assert disclosure.name in reason.message
        assert reason.citation == disclosure.citation


def test_the_reason_names_what_is_missing_never_the_text() -> None:
    text = "Dana Debtor, SSN 123-45-6789: call us. Reply STOP to opt out."
    (reason,) = check_message(_facts(text, initial=True), REG_F)
    assert reason.rule == "disclosure_missing"
    assert reason.message == (
        "the initial collection message on sms lacks the required disclosure(s): "
        "attempt_to_collect, information_used"
    )
    assert reason.citation == "15 U.S.C. 1692e(11); 12 CFR 1006.18(e)(1)"  # once, not twice
    assert "Dana" not in reason.message


def test_citations_of_several_missing_disclosures_are_joined() -> None:
    (reason,) = check_message(_facts("Acme here.", initial=False), REG_F)
    assert reason.message.endswith("from_debt_collector, opt_out")
    assert reason.citation == "15 U.S.C. 1692e(11); 12 CFR 1006.18(e)(2); 12 CFR 1006.6(e)"


def test_first_party_texts_need_only_the_opt_out_instruction() -> None:
    assert check_message(_facts("Acme Bank: your payment is due.", initial=True), FIRST_PARTY)
    assert check_message(_facts("Acme Bank: due. Reply STOP to opt out."), FIRST_PARTY) == []
    email = _facts("Acme Bank: your payment is due.", channel="email", initial=True)
    assert check_message(email, FIRST_PARTY) == []


def test_no_message_no_reasons() -> None:
    facts = replace(_facts(SMS_FULL), message=None)
    assert check_message(facts, REG_F) == []


@pytest.mark.parametrize(
    ("name", "text", "present"),
    [
        ("attempt_to_collect", "This is an attempt to collect a debt.", True),
        ("attempt_to_collect", "We are attempting to collect a debt.", True),
        ("attempt_to_collect", "We are trying to collect a debt that you owe.", True),
        ("attempt_to_collect", "THIS IS AN ATTEMPT TO\n   COLLECT A DEBT", True),
        ("attempt_to_collect", "This is about a debt.", False),
        ("attempt_to_collect", "an attempt to collect a debtor's mail", False),
        ("information_used", "Any information obtained will be used for that purpose.", True),
        ("information_used", "any information obtained will be used to collect the debt", True),
        ("information_used", "We will use any information you give us to help collect it.", True),
        ("information_used", "We value information.", False),
        ("information_used", "Information. It will be used for that purpose.", False),
        ("from_debt_collector", "This communication is from a debt collector.", True),
        ("from_debt_collector", "Acme Recovery is a debt collector.", True),
        ("from_debt_collector", "We are a debt collector attempting to collect a debt", True),
        ("from_debt_collector", "Acme collects debts.", False),
        ("opt_out", "Reply STOP to opt out.", True),
        ("opt_out", "Text STOP to stop these messages.", True),
        ("opt_out", "reply with the word STOP or write to us to unsubscribe", True),
        ("opt_out", "To unsubscribe, write to help@acme.example.", True),
        ("opt_out", "You may opt out at any time.", False),
        ("opt_out", "Stop by our office.", False),
    ],
)
def test_patterns_accept_reasonable_wordings(name: str, text: str, present: bool) -> None:
    (disclosure,) = [d for d in REG_F.disclosures.texts if d.name == name]
    assert disclosure.present_in(text) is present


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Hello, this is Acme. Please call us back at 800-555-0100. Thank you.", ()),
        ("Hi Dana, this is Sam at Acme about your account. Call 800-555-0100.", ()),
        ("Please call Acme about your debt.", ("debt",)),
        ("Acme Collections: please call us.", ("collection",)),
        ("Please call about the $120 you owe.", ("owing", "amount")),
        ("Call us about your balance with your creditor.", ("balance", "creditor")),
        ("Your payment is overdue.", ("payment", "past_due")),
        ("This is an attempt to collect a debt.", ("attempt_to_collect", "debt", "collection")),
        ("We may take legal action.", ("legal_action",)),
    ],
)
@pytest.mark.parametrize("ruleset", [REG_F, FIRST_PARTY], ids=["third_party", "first_party"])
def test_a_limited_content_message_carries_nothing_more(
    ruleset: Ruleset, text: str, found: tuple[str, ...]
) -> None:
    if ruleset is FIRST_PARTY:  # it defines no collector disclosure to forbid
        found = tuple(name for name in found if name != "attempt_to_collect")
    assert limited_content_violations(ruleset, "voice", text) == found
    reasons = check_message(_facts(text, "limited_content", channel="voice"), ruleset)
    if not found:
        assert reasons == []
        return
    (reason,) = reasons
    assert (reason.rule, reason.citation) == ("limited_content", "12 CFR 1006.2(j)")
    assert reason.message.endswith(", ".join(found))


@pytest.mark.parametrize("channel", ["sms", "email", "chat"])
def test_a_limited_content_message_is_a_voicemail_only(channel: str) -> None:
    (reason,) = check_message(_facts("Please call us.", "limited_content", channel=channel), REG_F)
    assert reason.rule == "limited_content"
    assert reason.message.endswith(f"channel {channel}")


@pytest.mark.parametrize(
    ("time_barred", "threatens", "enabled", "blocked"),
    [
        (True, True, True, True),
        (True, False, True, False),
        (False, True, True, False),
        (True, True, False, False),
    ],
)
def test_no_threat_of_suit_on_a_time_barred_debt(
    time_barred: bool, threatens: bool, enabled: bool, blocked: bool
) -> None:
    ruleset = replace(REG_F, time_barred=replace(REG_F.time_barred, enabled=enabled))
    facts = _facts(SMS_FULL, threatens=threatens, time_barred=time_barred)
    reasons = check_message(facts, ruleset)
    assert [(r.rule, r.citation) for r in reasons] == (
        [("time_barred_threat", "12 CFR 1006.26(b)")] if blocked else []
    )


def test_every_reason_at_once() -> None:
    facts = _facts("Your debt.", "limited_content", channel="sms", threatens=True, time_barred=True)
    rules = [r.rule for r in check_message(facts, REG_F)]
    assert rules == ["limited_content", "time_barred_threat"]
    facts = _facts("Call us.", initial=True, threatens=True, time_barred=True)
    rules = [r.rule for r in check_message(facts, REG_F)]
    assert rules == ["disclosure_missing", "time_barred_threat"]


STATE = Disclosure(
    name="nyc_license",
    text="NYC DCWP License No. 1234567.",
    pattern=re.compile(r"\bDCWP License No\.? \d+", re.IGNORECASE),
    citation="6 RCNY 2-191",
)


def test_extra_disclosures_of_a_state_overlay_are_required_once() -> None:
    opt_out = REG_F.disclosures.electronic.required_on("sms", "collection")
    required = required_disclosures(REG_F, "collection", False, "sms", (STATE, *opt_out))
    assert [d.name for d in required] == ["from_debt_collector", "opt_out", "nyc_license"]
    (reason,) = check_message(_facts(SMS_FULL), REG_F, (STATE,))
    assert (reason.rule, reason.citation) == ("disclosure_missing", "6 RCNY 2-191")
    assert check_message(_facts(f"{SMS_FULL} {STATE.text}"), REG_F, (STATE,)) == []


def test_disabled_disclosures_check_only_the_extra_ones() -> None:
    off = replace(REG_F, disclosures=replace(REG_F.disclosures, enabled=False))
    assert required_disclosures(off, "collection", True, "sms") == ()
    assert check_message(_facts("Call us."), off) == []
    assert check_message(_facts("Your debt.", "limited_content", channel="voice"), off) == []
    assert [r.rule for r in check_message(_facts("Call us."), off, (STATE,))] == [
        "disclosure_missing"
    ]


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown message kind"):
        required_disclosures(REG_F, "letter", True, "sms")


def test_add_disclosures_appends_the_missing_sentences_in_order() -> None:
    required = required_disclosures(REG_F, "reply", True, "chat")
    text = "Thanks, Dana. Reply STOP to opt out."
    assert [d.name for d in missing_sentences(text, required)] == list(INITIAL)
    added = add_disclosures(text + "\n", required)
    assert added == (
        "Thanks, Dana. Reply STOP to opt out. This is an attempt to collect a debt. "
        "Any information obtained will be used for that purpose."
    )
    assert missing_sentences(added, required) == ()
    assert add_disclosures(added, required) == added
    assert add_disclosures("", required[:1]) == "This is an attempt to collect a debt."
    assert add_disclosures(text, ()) == text
