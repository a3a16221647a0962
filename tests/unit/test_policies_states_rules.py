"""The state overlays' checks on real facts: Massachusetts, New York City and Washington
frequency limits, New York City's written consent, the disclosures of California, New York,
New York City and West Virginia; a Texas account gets nothing added.

March 2026: US DST starts Sunday the 8th, so New York is UTC-5 before and UTC-4 after.
"""

from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import policies
from policies import ConsentState, ContactFacts, ContactRecord, RuleCheck
from policies.state_overlays import StateOverlay, overlays_for, parse_overlay
from policies.state_rules import check_state_rules, fill_disclosures, state_disclosures
from policies.states import candidate_regions

STATES_DIR = Path(policies.__file__).parent / "rulesets" / "states"
NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
EASTERN = ("America/New_York",)
MA_PERSONAL = ("state_ma_telephone_personal", "940 CMR 7.04(1)(f); 209 CMR 18.16(1)(d)")
MA_OTHER = ("state_ma_telephone_other", "940 CMR 7.04(1)(f); 209 CMR 18.16(1)(d)")
NYC_ATTEMPTS = "state_nyc_attempts_7_days"
NYC_CONSENT = "state_nyc_written_consent_electronic"


@cache
def loaded() -> dict[str, StateOverlay]:
    """Every bundled overlay, read as the gateway will read them."""
    return {
        path.stem: parse_overlay(path.read_bytes(), str(path))
        for path in sorted(STATES_DIR.glob("*.yaml"))
    }


def at(day: int, hour: int = 10, month: int = 3, zone: ZoneInfo = NEW_YORK) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=zone)


def midnight(day: int, month: int = 3, zone: ZoneInfo = NEW_YORK) -> datetime:
    return datetime(2026, month, day, tzinfo=zone).astimezone(UTC)


def out(channel: str, when: datetime, outcome: str = "no_answer") -> ContactRecord:
    return ContactRecord(channel=channel, direction="outbound", at=when, outcome=outcome)


def calls(*days: int, month: int = 3) -> tuple[ContactRecord, ...]:
    return tuple(out("voice", at(day, month=month)) for day in days)


def facts(channel: str = "voice", **overrides: Any) -> ContactFacts:
    fields: dict[str, Any] = {
        "channel": channel,
        "purpose": "collection",
        "consent": ConsentState.GRANTED,
        "consent_source": "written",
        "timezones": EASTERN,
    }
    return ContactFacts(**(fields | overrides))


def check(
    contact: ContactFacts,
    now: datetime,
    regions: tuple[str, ...],
    zones: tuple[str, ...] = EASTERN,
) -> RuleCheck:
    overlays = overlays_for(regions, tuple(loaded().values()))
    result = check_state_rules(contact, now, overlays, zones)
    if result.not_before is not None:
        # A defer's not_before is itself allowed, and the instant before it is not.
        assert result.not_before > now
        assert check_state_rules(contact, result.not_before, overlays, zones).passed
        before = result.not_before - timedelta(microseconds=1)
        assert not check_state_rules(contact, before, overlays, zones).passed
    return result


Case = tuple[tuple[str, ...], ContactFacts, list[tuple[str, str | None]], datetime | None]
FREQUENCY_CASES: dict[str, Case] = {
    # Massachusetts: two telephone communications per debt in 7 days to a personal number.
    "ma third call in a week": (("ma",), facts(history=calls(3, 5)), [MA_PERSONAL], midnight(10)),
    "ma one prior call": (("ma",), facts(history=calls(5)), [], None),
    "ma texts and recorded messages count": (
        ("ma",),
        facts("sms", history=(out("sms", at(3), "delivered"), out("voice", at(5), "voicemail"))),
        [MA_PERSONAL],
        midnight(10),
    ),
    "ma failed and busy calls count": (
        ("ma",),
        facts(history=(out("voice", at(3), "busy"), out("voice", at(5), "failed"))),
        [MA_PERSONAL],
        midnight(10),
    ),
    "ma inbound calls do not count": (
        ("ma",),
        facts(
            history=tuple(ContactRecord("voice", "inbound", at(d), "conversation") for d in (3, 5))
        ),
        [],
        None,
    ),
    "ma emails do not count": (
        ("ma",),
        facts(history=(out("email", at(3), "sent"), out("email", at(5), "sent"))),
        [],
        None,
    ),
    "ma emails are not limited": (("ma",), facts("email", history=calls(3, 5)), [], None),
    "ma replies are not initiated": (
        ("ma",),
        facts(purpose="reply", history=calls(3, 5)),
        [],
        None,
    ),
    "ma a week later": (("ma",), facts(history=calls(3, 5)), [], None),
    # Any other number (work): two in 30 days, and the 7-day limit does not apply to it.
    "ma work number 2 in 30 days": (
        ("ma",),
        facts(work_address=True, history=calls(10, 20, month=2)),
        [MA_OTHER],
        midnight(12),
    ),
    "ma work number 1 in 30 days": (
        ("ma",),
        facts(work_address=True, history=calls(20, month=2)),
        [],
        None,
    ),
    "ma personal number, same calls": (("ma",), facts(history=calls(10, 20, month=2)), [], None),
    "ma work number, calls this week": (
        ("ma",),
        facts(work_address=True, history=calls(3, 5)),
        [MA_OTHER],
        midnight(2, month=4),
    ),
    # New York City: three attempts in 7 days across all media.
    "nyc email, sms and call": (
        ("nyc",),
        facts(
            "email", history=(out("email", at(3), "sent"), out("sms", at(4)), out("voice", at(5)))
        ),
        [(NYC_ATTEMPTS, "6 RCNY 5-77 (amended 2024; subsection to be confirmed by counsel)")],
        midnight(10),
    ),
    "nyc two attempts": (("nyc",), facts("email", history=calls(4, 5)), [], None),
    "nyc reply": (("nyc",), facts("email", purpose="reply", history=calls(3, 4, 5)), [], None),
    # Washington: three a week, and once a week at work.
    "wa fourth contact": (
        ("wa",),
        facts("sms", history=(out("sms", at(2)), out("email", at(4)), out("voice", at(5)))),
        [("state_wa_three_per_week", "RCW 19.16.250(13)(a)")],
        midnight(9),
    ),
    "wa second at work": (
        ("wa",),
        facts(work_address=True, history=calls(5)),
        [("state_wa_work_once_per_week", "RCW 19.16.250(13)(b)")],
        midnight(12),
    ),
    # Texas adds nothing.
    "texas": (("tx",), facts(history=calls(2, 3, 4, 5, 5, 5)), [], None),
    # Both Massachusetts and New York City (a Boston ZIP, a Manhattan phone): every reason,
    # and the later wait wins, whichever region sets it.
    "ma and nyc, massachusetts waits longer": (
        ("ma", "nyc"),
        facts("sms", history=(out("email", at(1), "sent"), out("sms", at(4)), out("voice", at(5)))),
        [MA_PERSONAL, (NYC_ATTEMPTS, None)],
        midnight(11),
    ),
    "ma and nyc, new york city waits longer": (
        ("ma", "nyc"),
        facts(
            "sms", history=(*calls(1, 3), out("email", at(4), "sent"), out("email", at(5), "sent"))
        ),
        [MA_PERSONAL, (NYC_ATTEMPTS, None)],
        midnight(10),
    ),
}
NOW = {"ma a week later": at(13)}


@pytest.mark.parametrize(("name"), FREQUENCY_CASES)
def test_frequency_limits(name: str) -> None:
    regions, contact, expected, not_before = FREQUENCY_CASES[name]
    result = check(contact, NOW.get(name, at(6)), regions)
    assert [r.rule for r in result.reasons] == [rule for rule, _ in expected]
    for reason, (_, citation) in zip(result.reasons, expected, strict=True):
        assert citation is None or reason.citation == citation
    assert result.not_before == not_before


def test_the_latest_zone_sets_the_wait() -> None:
    # 01:00 in New York on the 4th is still the 3rd in Los Angeles: the second most recent call
    # day is the 4th in New York (free on the 11th) and the 3rd in Los Angeles (the 10th).
    contact = facts(history=(out("voice", at(4, 1)), out("voice", at(5, 12))))
    zones = ("America/Los_Angeles", "America/New_York")
    assert check(contact, at(6), ("ma",), zones).not_before == midnight(11)
    west = check(contact, at(6), ("ma",), ("America/Los_Angeles",))
    assert west.not_before == midnight(10, zone=LOS_ANGELES)
    assert "America/Los_Angeles" in west.reasons[0].message


def test_the_reason_says_what_was_counted_and_when_contact_may_resume() -> None:
    (reason,) = check(facts(history=calls(3, 5)), at(6), ("ma",)).reasons
    assert reason.message.startswith("Massachusetts allows no more than two telephone")
    assert "2 outbound contacts (sms, voice) between 2026-03-03 and 2026-03-05" in reason.message
    assert "from 2026-03-10 00:00 (America/New_York)" in reason.message


@pytest.mark.parametrize(
    ("channel", "purpose", "consent", "source", "blocked"),
    [
        ("email", "collection", ConsentState.GRANTED, "api", True),
        ("sms", "collection", ConsentState.GRANTED, None, True),
        ("sms", "validation_notice", ConsentState.MISSING, None, True),
        ("email", "collection", ConsentState.REVOKED, "written", True),
        ("email", "collection", ConsentState.MISSING, "written", True),
        ("email", "collection", ConsentState.GRANTED, "written", False),
        ("sms", "transactional", ConsentState.GRANTED, "written", False),
        ("voice", "collection", ConsentState.GRANTED, "api", False),
        ("chat", "collection", ConsentState.MISSING, None, False),
        ("email", "reply", ConsentState.GRANTED, "api", False),
    ],
)
def test_nyc_written_consent_for_email_and_texts(
    channel: str, purpose: str, consent: ConsentState, source: str | None, blocked: bool
) -> None:
    contact = facts(channel, purpose=purpose, consent=consent, consent_source=source)
    result = check(contact, at(6), ("nyc",))
    if blocked:
        (reason,) = result.reasons
        assert reason.rule == NYC_CONSENT
        assert "needed: consent given through written" in reason.message
        assert result.not_before is None
    else:
        assert result.passed
    # Massachusetts has no such rule.
    assert check(contact, at(6), ("ma",)).passed


def test_a_block_and_a_wait_together_block_with_every_reason() -> None:
    contact = facts("email", consent_source="api", history=calls(3, 4, 5))
    result = check(contact, at(6), ("ma", "nyc"))
    assert [r.rule for r in result.reasons] == [NYC_CONSENT, NYC_ATTEMPTS]
    assert result.not_before is None


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        check_state_rules(facts(), datetime(2026, 3, 6, 10), (), EASTERN)


CA_LICENSE, CA_BARRED = "state_ca_license_number", "state_ca_time_barred"
NY_BARRED, NYC_BARRED, WV_BARRED = (
    "state_ny_time_barred",
    "state_nyc_time_barred",
    "state_wv_time_barred",
)


@pytest.mark.parametrize(
    ("regions", "channel", "time_barred", "expected"),
    [
        (("ca",), "sms", False, (CA_LICENSE,)),
        (("ca",), "email", False, (CA_LICENSE,)),
        (("ca",), "chat", True, (CA_LICENSE, CA_BARRED)),
        (("ca",), "voice", False, ()),
        (("ca",), "voice", True, ()),
        (("ny", "nyc"), "voice", True, (NY_BARRED, NYC_BARRED)),
        (("ny", "nyc"), "sms", False, ()),
        (("ny",), "email", True, (NY_BARRED,)),
        (("wv",), "sms", True, (WV_BARRED,)),
        (("wv",), "sms", False, ()),
        (("wv",), "voice", True, ()),
        (("ma", "wa"), "sms", True, ()),
        (("tx",), "sms", True, ()),
        (("*",), "sms", True, (CA_LICENSE, CA_BARRED, NY_BARRED, NYC_BARRED, WV_BARRED)),
    ],
)
def test_state_disclosures(
    regions: tuple[str, ...], channel: str, time_barred: bool, expected: tuple[str, ...]
) -> None:
    contact = facts(channel, time_barred=time_barred)
    found = state_disclosures(contact, overlays_for(regions, tuple(loaded().values())))
    assert tuple(d.name for d in found) == expected


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (CA_LICENSE, "Acme Recovery, California Debt Collector License No. 10123-99."),
        (CA_LICENSE, "california  license number:\n10123"),
        # Either of the two notices 1788.14(d) prescribes.
        (
            CA_BARRED,
            "The law limits how long you can be sued on a debt. Because of the age of your debt, "
            "we will not sue you for it, and we will not report it to any credit reporting agency.",
        ),
        (
            WV_BARRED,
            "The law limits how long you can be sued on a debt. Because of the age of your debt, "
            "Acme Bank, N.A. cannot sue you for it.",
        ),
        # New York City accepts the New York State wording.
        (
            NYC_BARRED,
            "Your creditor or debt collector believes that the legal time limit (statute of "
            "limitations) for suing you to collect this debt may have expired.",
        ),
    ],
)
def test_disclosure_patterns_find_what_the_law_asks_for(rule: str, text: str) -> None:
    (found,) = [d.disclosure for o in loaded().values() for d in o.disclosures if d.rule == rule]
    assert found.present_in(text)
    assert not found.present_in("Please call us about your account.")


@pytest.mark.parametrize(
    ("postal_code", "phones"),
    [("75201", ()), (None, ("+12145550123",)), ("73301", ("+18005550123",))],
)
def test_a_texas_account_gets_nothing_added(
    postal_code: str | None, phones: tuple[str, ...]
) -> None:
    regions = candidate_regions(postal_code, phones)
    assert regions == ("tx",)
    overlays = overlays_for(regions, tuple(loaded().values()))
    assert overlays == ()
    contact = facts(
        "sms",
        postal_code=postal_code,
        phones=phones,
        time_barred=True,
        consent_source=None,
        history=calls(2, 3, 4, 5),
    )
    assert check_state_rules(contact, at(6), overlays, EASTERN).passed
    assert state_disclosures(contact, overlays) == ()


def test_placeholders_are_filled_before_a_text_goes_out() -> None:
    found = state_disclosures(
        facts("sms", time_barred=True), overlays_for(("ca",), tuple(loaded().values()))
    )
    assert [d.text.count("{") for d in found] == [1, 1]
    values = {"ca_license_number": "10123-99", "collector_name": "Acme Recovery"}
    license_number, barred = fill_disclosures(found, values)
    assert license_number.text == "California Debt Collector License Number: 10123-99"
    assert barred.text.endswith(
        "Acme Recovery may report it to the credit reporting agencies as unpaid for as long as "
        "the law permits this reporting."
    )
    assert license_number.present_in(license_number.text)
    assert (barred.name, barred.citation) == (CA_BARRED, "Cal. Civ. Code 1788.14(d)")


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"collector_name": "Acme"}, "no value for ca_license_number"),
        # A license "number" without a digit: the text added would not pass its own check.
        ({"ca_license_number": "pending", "collector_name": "Acme"}, "no longer matches"),
    ],
)
def test_a_placeholder_never_goes_out_unfilled(values: dict[str, str], problem: str) -> None:
    found = state_disclosures(
        facts("email", time_barred=True), overlays_for(("ca",), tuple(loaded().values()))
    )
    with pytest.raises(ValueError, match=problem):
        fill_disclosures(found, values)
