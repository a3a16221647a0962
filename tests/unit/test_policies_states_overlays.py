"""State overlay files as `parse_overlay` reads them: every bundled file parses, with its
citations; a broken one fails with the file and the line; regions select overlays."""

from pathlib import Path

import pytest

import policies
from policies.ruleset_reader import RulesetError
from policies.state_overlays import StateOverlay, overlays_for, parse_overlay

STATES_DIR = Path(policies.__file__).parent / "rulesets" / "states"
BUNDLED = ("ca", "ma", "ny", "nyc", "wa", "wv")
BROKEN = "/srv/parley/states/ma.yaml"

VALID = """\
description: Test overlay
frequency_limits:
  - rule: state_ma_calls
    message: Two calls a week
    citation: Test citation 1
    channels: [voice, sms]
    purposes: [collection]
    max_attempts: 2
    window_days: 7
    address: personal
consent_rules:
  - rule: state_ma_written
    message: Written consent
    citation: Test citation 2
    channels: [email]
    purposes: [collection]
    sources: [written]
disclosures:
  - rule: state_ma_notice
    message: A notice
    citation: Test citation 3
    channels: [sms]
    purposes: [collection, reply]
    when: time_barred
    text: "Licence {ca_license_number} of {collector_name}."
    pattern: 'licence [a-z0-9]+ of'
"""


def _bundled(region: str) -> StateOverlay:
    path = STATES_DIR / f"{region}.yaml"
    return parse_overlay(path.read_bytes(), str(path))


def _parse(text: str, path: str = BROKEN) -> StateOverlay:
    return parse_overlay(text.encode(), path)


def _line_of(text: str, needle: str) -> int:
    """The last line holding `needle`: where a repeated value is reported."""
    return [n for n, content in enumerate(text.splitlines(), 1) if needle in content][-1]


def _edit(old: str, new: str, text: str = VALID) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_the_bundled_files_are_exactly_these() -> None:
    assert tuple(sorted(p.stem for p in STATES_DIR.glob("*.yaml"))) == BUNDLED


@pytest.mark.parametrize("region", BUNDLED)
def test_every_bundled_overlay_parses_and_says_counsel_must_confirm(region: str) -> None:
    overlay = _bundled(region)
    assert overlay.region == region
    assert overlay.description
    assert "COUNSEL MUST CONFIRM" in (STATES_DIR / f"{region}.yaml").read_text()
    cited = [
        *((limit.rule, limit.citation) for limit in overlay.frequency_limits),
        *((rule.rule, rule.citation) for rule in overlay.consent_rules),
        *((d.disclosure.name, d.disclosure.citation) for d in overlay.disclosures),
    ]
    assert cited
    for code, citation in cited:
        assert code.startswith(f"state_{region}_")
        assert citation


@pytest.mark.parametrize(
    ("region", "rule", "citation"),
    [
        ("ma", "state_ma_telephone_personal", "940 CMR 7.04(1)(f); 209 CMR 18.16(1)(d)"),
        ("ma", "state_ma_telephone_other", "940 CMR 7.04(1)(f); 209 CMR 18.16(1)(d)"),
        ("wa", "state_wa_three_per_week", "RCW 19.16.250(13)(a)"),
        ("ca", "state_ca_license_number", "Cal. Civ. Code 1788.11(f)"),
        ("ca", "state_ca_time_barred", "Cal. Civ. Code 1788.14(d)"),
        ("ny", "state_ny_time_barred", "23 NYCRR 1.3(b)-(c)"),
        ("wv", "state_wv_time_barred", "W. Va. Code 46A-2-128(f)"),
    ],
)
def test_rules_carry_their_citation(region: str, rule: str, citation: str) -> None:
    overlay = _bundled(region)
    citations = {
        **{limit.rule: limit.citation for limit in overlay.frequency_limits},
        **{d.rule: d.disclosure.citation for d in overlay.disclosures},
    }
    assert citations[rule] == citation


def test_the_bundled_limits_as_the_law_states_them() -> None:
    ma = {limit.rule: limit for limit in _bundled("ma").frequency_limits}
    personal, other = ma["state_ma_telephone_personal"], ma["state_ma_telephone_other"]
    assert (personal.max_attempts, personal.window_days, personal.address) == (2, 7, "personal")
    assert (other.max_attempts, other.window_days, other.address) == (2, 30, "other")
    assert personal.channels == other.channels == {"voice", "sms"}
    (nyc,) = _bundled("nyc").frequency_limits
    assert (nyc.max_attempts, nyc.window_days) == (3, 7)
    assert nyc.channels == {"sms", "email", "voice", "chat"}
    (consent,) = _bundled("nyc").consent_rules
    assert consent.channels == {"sms", "email"}
    assert consent.sources == {"written"}
    assert _bundled("ma").lookback_days == 32


def test_a_valid_overlay_builds_every_field() -> None:
    overlay = _parse(VALID)
    (limit,) = overlay.frequency_limits
    assert (limit.rule, limit.max_attempts, limit.window_days) == ("state_ma_calls", 2, 7)
    assert limit.purposes == {"collection"}
    (consent,) = overlay.consent_rules
    assert consent.sources == {"written"}
    (notice,) = overlay.disclosures
    assert (notice.rule, notice.when, notice.disclosure.name) == (
        "state_ma_notice",
        "time_barred",
        "state_ma_notice",
    )
    assert notice.disclosure.present_in("LICENCE 42 OF Acme")
    assert overlay.ref() == {"region": "ma", "digest": overlay.digest}


def test_the_region_is_the_file_stem() -> None:
    with pytest.raises(RulesetError, match="state_nyc_<name>"):
        _parse(VALID, "/srv/nyc.yaml")
    with pytest.raises(RulesetError, match=r"Texas\.yaml:1: .*not a region code"):
        _parse(VALID, "/srv/Texas.yaml")


@pytest.mark.parametrize(
    ("old", "new", "needle", "problem"),
    [
        # Unknown keys, at the top and in an entry.
        ("consent_rules:\n", "extra: 1\nconsent_rules:\n", "extra: 1", "unknown key 'extra'"),
        ("address: personal\n", "address: personal\n    colour: red\n", "colour", "unknown key"),
        ("disclosures:\n", "notes:\n", "notes:", "unknown key 'notes'"),
        # A missing key is reported at the entry that lacks it.
        ("    window_days: 7\n", "", "- rule: state_ma_calls", "missing key 'window_days'"),
        # Bad rule codes.
        ("rule: state_ma_calls", "rule: ma_calls", "rule: ma_calls", "bad rule code 'ma_calls'"),
        ("rule: state_ma_calls", "rule: state_ny_calls", "state_ny_calls", "bad rule code"),
        ("rule: state_ma_calls", "rule: state_ma_Calls", "state_ma_Calls", "bad rule code"),
        ("rule: state_ma_calls", "rule: state_ma__calls", "state_ma__calls", "bad rule code"),
        ("rule: state_ma_written", "rule: state_ma_notice", "state_ma_notice", "used twice"),
        # Bad values.
        ("max_attempts: 2", "max_attempts: 0", "max_attempts: 0", "must be at least 1"),
        ("window_days: 7", "window_days: seven", "window_days: seven", "expected a whole number"),
        ("address: personal", "address: home", "address: home", "bad value 'home'"),
        ("channels: [voice, sms]", "channels: [fax]", "channels: [fax]", "unknown value 'fax'"),
        ("channels: [voice, sms]", "channels: []", "channels: []", "at least one value"),
        ("purposes: [collection]\n    max", "purposes: [dun]\n    max", "[dun]", "unknown value"),
        ("sources: [written]", "sources: []", "sources: []", "at least one source"),
        ("when: time_barred", "when: sometimes", "when: sometimes", "bad value 'sometimes'"),
        ("citation: Test citation 1", "citation: 7", "citation: 7", "must be a string"),
        ("description: Test overlay", "description: [a]", "description", "must be a string"),
        # Disclosures: placeholders known, pattern valid and finding its own text.
        ("{collector_name}", "{debtor_name}", "text:", "unknown placeholder {debtor_name}"),
        ("of {collector_name}.", "of {collector_name.", "text:", "unbalanced brace"),
        ("'licence [a-z0-9]+ of'", "'licence ([a-z'", "pattern:", "bad pattern"),
        ("'licence [a-z0-9]+ of'", "'license number'", "pattern:", "does not find its own text"),
        ("'licence [a-z0-9]+ of'", "'(licence)?'", "pattern:", "matches an empty text"),
    ],
)
def test_a_broken_overlay_fails_at_its_line(old: str, new: str, needle: str, problem: str) -> None:
    text = _edit(old, new)
    with pytest.raises(RulesetError) as caught:
        _parse(text)
    assert (caught.value.path, caught.value.line) == (BROKEN, _line_of(text, needle))
    assert problem in caught.value.problem, caught.value


def test_a_section_that_is_not_a_list_fails_at_its_line() -> None:
    head, _, tail = VALID.partition("frequency_limits:\n")
    text = head + "frequency_limits: none\n" + tail[tail.index("consent_rules:") :]
    with pytest.raises(RulesetError, match=r"ma\.yaml:2: frequency_limits must be a list"):
        _parse(text)


def test_a_broken_yaml_text_fails_at_its_line() -> None:
    with pytest.raises(RulesetError, match=r"ma\.yaml:\d+: invalid YAML"):
        _parse(VALID + "  - : [\n")


def test_a_missing_section_fails_at_the_document() -> None:
    head, _, _ = VALID.partition("frequency_limits:")
    with pytest.raises(RulesetError, match=r"ma\.yaml:1: key 'frequency_limits' is missing"):
        _parse(head + "consent_rules: []\ndisclosures: []\n")


@pytest.mark.parametrize(
    ("regions", "expected"),
    [
        (("ma",), ("ma",)),
        (("il", "ma"), ("ma",)),
        (("tx",), ()),
        (("ny", "nyc"), ("ny", "nyc")),
        (("nyc", "ca", "nyc"), ("ca", "nyc")),
        (("*",), BUNDLED),
    ],
)
def test_overlays_for_regions(regions: tuple[str, ...], expected: tuple[str, ...]) -> None:
    loaded = {region: _bundled(region) for region in BUNDLED}
    assert tuple(o.region for o in overlays_for(regions, tuple(loaded.values()))) == expected
