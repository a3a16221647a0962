"""Rulesets as `parse_ruleset` reads the bytes: the name from the path, every channel where a
ruleset names channels, and validation that fails with the file and the line."""

from dataclasses import replace
from datetime import time

import pytest
from rulesets import bundled, bundled_path, edit, line_of

from policies import CHANNELS, Ruleset, RulesetError, parse_ruleset
from policies.rule_settings import ChannelCap

REG_F_BYTES = bundled_path("reg_f_third_party").read_bytes()
REG_F_TEXT = REG_F_BYTES.decode()
# parse_ruleset reads nothing: the path only names the ruleset and the file in errors, so it
# need not exist.
BROKEN = "/srv/parley/rulesets/broken.yaml"


def _parse(text: str) -> Ruleset:
    return parse_ruleset(text.encode(), BROKEN)


def test_a_copy_parses_under_its_own_name() -> None:
    path = "/srv/parley/rulesets/portfolio_a.yaml"
    ruleset = parse_ruleset(REG_F_BYTES, path)
    reg_f = bundled("reg_f_third_party")
    assert (ruleset.name, ruleset.path) == ("portfolio_a", path)
    assert ruleset.digest == reg_f.digest
    assert replace(ruleset, name=reg_f.name, path=reg_f.path) == reg_f


def _edit(old: str, new: str, text: str = REG_F_TEXT) -> str:
    return edit(old, new, text)


@pytest.mark.parametrize("channel", CHANNELS)
def test_every_channel_may_be_listed_wherever_a_ruleset_names_channels(channel: str) -> None:
    text = _edit(
        "  express_consent_channels: [sms, voice]\n", f"  express_consent_channels: [{channel}]\n"
    )
    text = _edit("  channels: [sms, email, voice, chat]\n", f"  channels: [{channel}]\n", text)
    text = _edit("  channels: [sms, email, chat]\n", f"  channels: [{channel}]\n", text)
    text = _edit(
        "  sms:\n    max: 3\n    window_days: 7\n  email:\n    max: 5\n    window_days: 7\n",
        f"  {channel}:\n    max: 2\n    window_days: 1\n",
        text,
    )
    r = _parse(text)
    assert r.consent.express_consent_channels == {channel}
    assert r.quiet_hours.channels == {channel}
    assert r.reply.channels == {channel}
    assert r.channel_caps.limits == (ChannelCap(channel, 2, 1),)


def _line_of(text: str, needle: str) -> int:
    return line_of(text, needle)


@pytest.mark.parametrize(
    ("text", "needle", "problem"),
    [
        pytest.param(
            REG_F_TEXT + "\nweekend_hours:\n  enabled: true\n",
            "weekend_hours:",
            "unknown rule 'weekend_hours'",
            id="unknown rule",
        ),
        pytest.param(
            _edit("  count_unconnected: true\n", "  count_unconnected: true\n  max_per_day: 3\n"),
            "max_per_day",
            "unknown key 'max_per_day' in rule 'call_frequency'",
            id="unknown key",
        ),
        pytest.param(
            _edit("  max_attempts: 7\n", "  max_attempts: -7\n"),
            "max_attempts",
            "bad value '-7' for call_frequency.max_attempts: must not be negative",
            id="negative number",
        ),
        pytest.param(
            _edit("  max_attempts: 7\n", "  max_attempts: 0\n"),
            "max_attempts",
            "must be at least 1",
            id="zero attempts",
        ),
        pytest.param(
            _edit("  max_attempts: 7\n", "  max_attempts: 7.5\n"),
            "max_attempts",
            "expected a whole number",
            id="fraction",
        ),
        pytest.param(
            _edit("  max_attempts: 7\n", '  max_attempts: "7"\n'),
            "max_attempts",
            "expected a whole number",
            id="quoted number",
        ),
        pytest.param(
            _edit("    max: 3\n", "    max: -1\n"),
            "max: -1",
            "bad value '-1' for channel_caps.sms.max: must not be negative",
            id="negative cap",
        ),
        pytest.param(
            _edit("  quiet_hours_grace_minutes: 30\n", "  quiet_hours_grace_minutes: -5\n"),
            "quiet_hours_grace_minutes: -5",
            "must not be negative",
            id="negative grace",
        ),
        pytest.param(
            _edit('  end: "21:00"\n', '  end: "25:00"\n'),
            "end:",
            "bad time '25:00' for quiet_hours.end",
            id="bad time 25:00",
        ),
        pytest.param(
            _edit('  start: "08:00"\n', '  start: "8am"\n'),
            "start:",
            "bad time '8am' for quiet_hours.start",
            id="bad time 8am",
        ),
        pytest.param(
            _edit('  start: "08:00"\n', '  start: "08:60"\n'),
            "start:",
            "bad time '08:60'",
            id="bad minutes",
        ),
        pytest.param(
            _edit('  start: "08:00"\n', '  start: "22:00"\n'),
            "end:",
            "quiet_hours.end must be later in the day than start",
            id="window ends before it starts",
        ),
        pytest.param(
            _edit(
                "  express_consent_channels: [sms, voice]\n",
                "  express_consent_channels: [sms, fax]\n",
            ),
            "express_consent_channels",
            "unknown value 'fax' in consent.express_consent_channels",
            id="unknown channel",
        ),
        pytest.param(
            _edit("  blocked_purposes: [collection]\n", "  blocked_purposes: [marketing]\n"),
            "blocked_purposes",
            "unknown value 'marketing' in dispute_hold.blocked_purposes",
            id="unknown purpose",
        ),
        pytest.param(
            _edit(
                "  blocked_purposes: [collection]\n",
                "  blocked_purposes: [collection, collection]\n",
            ),
            "blocked_purposes",
            "'collection' is listed twice",
            id="duplicate list item",
        ),
        pytest.param(
            _edit("  blocked_purposes: [collection]\n", "  blocked_purposes: collection\n"),
            "blocked_purposes",
            "dispute_hold.blocked_purposes must be a list",
            id="list expected",
        ),
        pytest.param(
            _edit("  email:\n    max: 5\n", "  fax:\n    max: 5\n"),
            "fax:",
            "unknown key 'fax' in rule 'channel_caps'",
            id="unknown capped channel",
        ),
        pytest.param(
            _edit("    max: 3\n    window_days: 7\n", "    max: 3\n"),
            "  sms:\n    max: 3\n",
            "rule 'channel_caps.sms' is missing key 'window_days'",
            id="cap without window",
        ),
        pytest.param(
            _edit("do_not_contact:\n  enabled: true\n", "do_not_contact:\n  enabled: yes\n"),
            "enabled: yes",
            "bad value 'yes' for do_not_contact.enabled: expected true or false",
            id="yes is not a boolean here",
        ),
        pytest.param(
            _edit("do_not_contact:\n  enabled: true\n", "do_not_contact:\n  enabled: 1\n"),
            "enabled: 1",
            "expected true or false",
            id="1 is not a boolean",
        ),
        pytest.param(
            _edit("reply:\n  enabled: true\n", "reply:\n"),
            "reply:\n  quiet_hours_grace_minutes",
            "rule 'reply' is missing key 'enabled'",
            id="missing enabled flag",
        ),
        pytest.param(
            _edit("do_not_contact:\n  enabled: true\n", ""),
            "description:",
            "rule 'do_not_contact' is missing",
            id="missing rule",
        ),
        pytest.param(
            REG_F_TEXT + "\nquiet_hours: {enabled: false}\n",
            "quiet_hours: {enabled: false}",
            "duplicate key 'quiet_hours'",
            id="duplicate rule",
        ),
        pytest.param(
            _edit("  quiet_hours_grace_minutes: 30\n", "  quiet_hours_grace_minutes: 30: 40\n"),
            "quiet_hours_grace_minutes: 30: 40",
            "invalid YAML",
            id="YAML syntax error",
        ),
        pytest.param(
            _edit("description: Third", "description: [Third]\n# Third"),
            "description: [Third]",
            "description must be a string",
            id="description not a string",
        ),
    ],
)
def test_bad_files_fail_with_file_and_line(text: str, needle: str, problem: str) -> None:
    with pytest.raises(RulesetError) as caught:
        _parse(text)
    error = caught.value
    line = _line_of(text, needle)
    assert error.path == BROKEN
    assert error.line == line
    assert problem in error.problem
    assert str(error) == f"{BROKEN}:{line}: {error.problem}"
    assert isinstance(error, ValueError)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty ruleset"),
        ("# nothing but a comment\n", "empty ruleset"),
        ("- a\n- list\n", "the ruleset must be a mapping"),
        ("quiet_hours: 1\n", "rule 'quiet_hours' must be a mapping"),
        ("a: 1\n---\nb: 2\n", "invalid YAML"),
        ("1: 1\n", "keys of the ruleset must be names"),
    ],
)
def test_degenerate_files(text: str, problem: str) -> None:
    with pytest.raises(RulesetError, match=problem) as caught:
        _parse(text)
    assert caught.value.line >= 1


def test_not_utf8() -> None:
    with pytest.raises(RulesetError, match="not UTF-8") as caught:
        parse_ruleset(b"description: caf\xe9\n", BROKEN)
    assert caught.value.line == 1


def test_unquoted_times_are_read_as_written() -> None:
    # YAML 1.1 reads an unquoted 21:00 as the integer 1260; the parser reads the raw text.
    text = _edit('  start: "08:00"\n  end: "21:00"\n', "  start: 09:30\n  end: 20:00\n")
    window = _parse(text).quiet_hours.window
    assert (window.start, window.end) == (time(9, 30), time(20))
