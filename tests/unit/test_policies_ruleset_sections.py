"""The ruleset sections about messages and addresses (disclosures, address provenance, work
addresses, the validation notice, time-barred debts): what the bundled files set, and
validation that fails with the file and the line."""

import re

import pytest
from rulesets import BUNDLED, bundled, bundled_path, edit, line_of

from policies import MESSAGE_KINDS, Ruleset, RulesetError, parse_ruleset
from policies.ruleset_sections import ELECTRONIC_CHANNELS

REG_F_TEXT = bundled_path("reg_f_third_party").read_text()
BROKEN = "/srv/parley/rulesets/broken.yaml"
FROM_COLLECTOR = "      pattern: '\\b(?:from|is|are) a debt collector\\b'\n"
OPT_OUT_CONFIRMATION = "    opt_out_confirmation:\n      initial: []\n      subsequent: []\n"


def _parse(text: str) -> Ruleset:
    return parse_ruleset(text.encode(), BROKEN)


def _edit(old: str, new: str) -> str:
    return edit(old, new, REG_F_TEXT)


@pytest.mark.parametrize("name", BUNDLED)
def test_every_disclosure_pattern_finds_its_own_text(name: str) -> None:
    settings = bundled(name).disclosures
    assert settings.texts
    for disclosure in settings.texts:
        assert disclosure.present_in(disclosure.text), disclosure.name
        assert disclosure.pattern.flags & re.IGNORECASE
    assert [entry.kind for entry in settings.kinds] == list(MESSAGE_KINDS)
    assert [entry.channel for entry in settings.electronic.channels] == list(ELECTRONIC_CHANNELS)


def test_disclosure_lists_keep_file_order() -> None:
    # The order they are added in when a message lacks them.
    initial = bundled("reg_f_third_party").disclosures.for_kind("collection", initial=True)
    assert [d.name for d in initial] == ["attempt_to_collect", "information_used"]


def test_unknown_message_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown message kind 'letter'"):
        bundled("reg_f_third_party").disclosures.for_kind("letter", initial=True)


@pytest.mark.parametrize(
    ("text", "needle", "problem"),
    [
        pytest.param(
            _edit("  enabled: true\n  texts:\n", "  enabled: true\n  language: en\n  texts:\n"),
            "language: en",
            "unknown key 'language' in rule 'disclosures'",
            id="unknown key in disclosures",
        ),
        pytest.param(
            _edit(FROM_COLLECTOR, FROM_COLLECTOR + "      language: en\n"),
            "language: en",
            "unknown key 'language' in rule 'disclosures.texts.from_debt_collector'",
            id="unknown key in a disclosure",
        ),
        pytest.param(
            _edit(FROM_COLLECTOR, "      pattern: '(from a debt collector'\n"),
            "(from a debt collector",
            "bad pattern for disclosures.texts.from_debt_collector.pattern: missing )",
            id="bad regex",
        ),
        pytest.param(
            _edit(FROM_COLLECTOR, "      pattern: '(?:debt collector)?'\n"),
            "(?:debt collector)?",
            "it matches an empty text",
            id="pattern that is always found",
        ),
        pytest.param(
            _edit(FROM_COLLECTOR, "      pattern: '\\bdebt buyer\\b'\n"),
            "debt buyer",
            "disclosures.texts.from_debt_collector.pattern does not match its own text",
            id="pattern that misses its own text",
        ),
        pytest.param(
            _edit(FROM_COLLECTOR, "      pattern: [from a debt collector]\n"),
            "pattern: [from",
            "disclosures.texts.from_debt_collector.pattern must be a string",
            id="pattern not a string",
        ),
        pytest.param(
            _edit("      text: This communication is from a debt collector.\n", "      text: ''\n"),
            "text: ''",
            "disclosures.texts.from_debt_collector.text must not be empty",
            id="empty text",
        ),
        pytest.param(
            _edit("    from_debt_collector:\n      text", "    FromCollector:\n      text"),
            "FromCollector:",
            "bad name 'FromCollector' in disclosures.texts",
            id="bad disclosure name",
        ),
        pytest.param(
            _edit(
                "      initial: [attempt_to_collect, information_used]\n"
                "      subsequent: [from_debt_collector]\n    # 12 CFR 1006.34",
                "      initial: [attempt_to_collect, mini_miranda]\n"
                "      subsequent: [from_debt_collector]\n    # 12 CFR 1006.34",
            ),
            "initial: [attempt_to_collect, mini_miranda]",
            "unknown value 'mini_miranda' in disclosures.kinds.collection.initial",
            id="undefined disclosure",
        ),
        pytest.param(
            _edit("    sms: [opt_out]\n", "    sms: [opt_out, opt_out]\n"),
            "sms: [opt_out, opt_out]",
            "'opt_out' is listed twice in disclosures.electronic.sms",
            id="disclosure listed twice",
        ),
        pytest.param(
            _edit(OPT_OUT_CONFIRMATION, ""),
            "  kinds:\n    collection:",
            "rule 'disclosures.kinds' is missing key 'opt_out_confirmation'",
            id="kind missing",
        ),
        pytest.param(
            _edit(OPT_OUT_CONFIRMATION, OPT_OUT_CONFIRMATION + "    marketing:\n"),
            "marketing:",
            "unknown key 'marketing' in rule 'disclosures.kinds'",
            id="unknown kind",
        ),
        pytest.param(
            _edit("    chat: [opt_out]\n", "    chat: [opt_out]\n    voice: [opt_out]\n"),
            "voice: [opt_out]",
            "unknown key 'voice' in rule 'disclosures.electronic'",
            id="voice is not electronic",
        ),
        pytest.param(
            _edit("    channels: [voice]\n", "    channels: [sms]\n"),
            "channels: [sms]",
            "unknown value 'sms' in disclosures.limited_content.channels",
            id="limited content by text",
        ),
        pytest.param(
            _edit("      debt: '\\bdebts?\\b'\n", "      debt: '\\bdebts?\\b('\n"),
            "debts?\\b('",
            "bad pattern for disclosures.limited_content.forbidden_content.debt",
            id="bad forbidden regex",
        ),
        pytest.param(
            _edit("    action: block\n", "    action: refuse\n"),
            "action: refuse",
            "bad value 'refuse' for address_provenance.email.action: expected block or warn",
            id="bad email action",
        ),
        pytest.param(
            _edit("    action: warn\n", "    action: [warn]\n"),
            "action: [warn]",
            "address_provenance.sms.action must be a single value",
            id="action not a value",
        ),
        pytest.param(
            _edit(
                "    safe_provenances: [consumer_provided, consumer_used]\n",
                "    safe_provenances: [consumer_provided, guessed]\n",
            ),
            "safe_provenances",
            "unknown value 'guessed' in address_provenance.email.safe_provenances",
            id="unknown provenance",
        ),
        pytest.param(
            _edit("    consumer_used_days: 60\n", "    consumer_used_days: 0\n"),
            "consumer_used_days: 0",
            "address_provenance.sms.consumer_used_days: must be at least 1",
            id="zero days",
        ),
        pytest.param(
            _edit("    consumer_used_days: 60\n", ""),
            "  sms:\n    action: warn",
            "rule 'address_provenance.sms' is missing key 'consumer_used_days'",
            id="missing days",
        ),
        pytest.param(
            _edit("work_address:\n  enabled: true\n", "work_address:\n  enabled: true\n  x: 1\n"),
            "  x: 1",
            "unknown key 'x' in rule 'work_address'",
            id="unknown key in work_address",
        ),
        pytest.param(
            _edit("  mode: send\n", "  mode: mail\n"),
            "mode: mail",
            "bad value 'mail' for validation_notice.mode: expected send or notify",
            id="bad validation mode",
        ),
        pytest.param(
            _edit("  due_days: 5\n", "  due_days: five\n"),
            "due_days: five",
            "expected a whole number",
            id="due days in words",
        ),
        pytest.param(
            _edit("  late_disputes_hold: false\n", "  late_disputes_hold: no\n"),
            "late_disputes_hold: no",
            "bad value 'no' for validation_notice.late_disputes_hold",
            id="no is not a boolean here",
        ),
        pytest.param(
            _edit("time_barred:\n  enabled: true\n", "time_barred:\n  threats: false\n"),
            "threats: false",
            "unknown key 'threats' in rule 'time_barred'",
            id="unknown key in time_barred",
        ),
        pytest.param(
            _edit("time_barred:\n  enabled: true\n", ""),
            "description:",
            "rule 'time_barred' is missing",
            id="missing section",
        ),
    ],
)
def test_bad_sections_fail_with_file_and_line(text: str, needle: str, problem: str) -> None:
    with pytest.raises(RulesetError) as caught:
        _parse(text)
    error = caught.value
    assert problem in error.problem
    assert error.line == line_of(text, needle)
    assert str(error) == f"{BROKEN}:{error.line}: {error.problem}"


def test_disclosure_texts_may_be_added_and_required() -> None:
    text = _edit(
        "  # initial: no communication",
        "    validation_rights:\n"
        "      text: You have the right to dispute the debt.\n"
        "      pattern: 'right to dispute'\n"
        "      citation: Mass. 940 CMR 7.08\n"
        "  # initial: no communication",
    )
    text = edit("    email: [opt_out]\n", "    email: [opt_out, validation_rights]\n", text)
    settings = _parse(text).disclosures
    assert [d.name for d in settings.electronic.required_on("email", "collection")] == [
        "opt_out",
        "validation_rights",
    ]
    assert settings.electronic.required_on("email", "opt_out_confirmation") == ()
    assert settings.electronic.required_on("voice", "collection") == ()
