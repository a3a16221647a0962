"""Candidate time zones from every location signal: declared zone, ZIP code, area codes."""

import contextlib
import time

import pytest

from policies import candidate_zones, validate_phone, validate_postal_code, validate_zone
from policies.timezones import CONTIGUOUS_US_ZONES, phone_zones, postal_code_zones

CONTIGUOUS = (
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/New_York",
    "America/Phoenix",
)


@pytest.mark.parametrize(
    ("declared", "postal_code", "phones", "zones"),
    [
        pytest.param((), None, (), CONTIGUOUS, id="no signal: the contiguous US"),
        pytest.param(("America/Chicago",), None, (), ("America/Chicago",), id="declared"),
        pytest.param((), "60601", (), ("America/Chicago",), id="ZIP"),
        pytest.param((), "60601-1234", (), ("America/Chicago",), id="ZIP+4"),
        pytest.param((), None, ("+13125550142",), ("America/Chicago",), id="area code"),
        pytest.param(
            (),
            "10001",
            ("+14155550123",),
            ("America/Los_Angeles", "America/New_York"),
            id="415 phone and New York ZIP: both zones",
        ),
        pytest.param(
            ("America/Chicago",),
            "10001",
            ("+14155550123", "+16025550110"),
            ("America/Chicago", "America/Los_Angeles", "America/New_York", "America/Phoenix"),
            id="every signal adds its zones",
        ),
        pytest.param(
            ("America/New_York",),
            "10001",
            ("+12125550199",),
            ("America/New_York",),
            id="agreeing signals: one zone",
        ),
        pytest.param(
            (),
            None,
            ("+19075550123",),
            ("America/Adak", "America/Anchorage"),
            id="907 spans two Alaska zones",
        ),
        pytest.param(
            (),
            None,
            ("+12085550123",),
            ("America/Boise", "America/Los_Angeles"),
            id="208 spans Mountain and Pacific",
        ),
        pytest.param((), None, ("+18005550100",), CONTIGUOUS, id="toll-free gives no signal"),
        pytest.param(
            (), None, ("+15005550100",), CONTIGUOUS, id="non-geographic 500 gives no signal"
        ),
        pytest.param(
            ("America/Denver",),
            None,
            ("+18005550100",),
            ("America/Denver",),
            id="toll-free adds nothing to a declared zone",
        ),
        pytest.param((), "09001", (), CONTIGUOUS, id="military APO/FPO ZIP gives no signal"),
        pytest.param(
            (),
            "99634",
            (),
            (
                "America/Adak",
                "America/Anchorage",
                "America/Juneau",
                "America/Metlakatla",
                "America/Nome",
                "America/Sitka",
                "America/Yakutat",
            ),
            id="a ZIP without a zone in the dataset stands for every zone of its state",
        ),
        pytest.param((), "96813", (), ("Pacific/Honolulu",), id="Hawaii"),
        pytest.param((), "00901", (), ("America/Puerto_Rico",), id="Puerto Rico"),
        pytest.param((), "46204", (), ("America/Indiana/Indianapolis",), id="Indianapolis"),
        pytest.param(
            (), None, ("+442079460000",), ("Europe/London",), id="a foreign number is a signal"
        ),
        pytest.param((), None, ("+79161234567",), CONTIGUOUS, id="a Russian mobile spans 11 zones"),
        pytest.param(
            ("Asia/Tokyo", "America/New_York", "Asia/Tokyo"),
            None,
            (),
            ("America/New_York", "Asia/Tokyo"),
            id="sorted and deduplicated",
        ),
        pytest.param(("US/Eastern",), None, (), ("US/Eastern",), id="IANA links are zones"),
    ],
)
def test_candidate_zones(
    declared: tuple[str, ...],
    postal_code: str | None,
    phones: tuple[str, ...],
    zones: tuple[str, ...],
) -> None:
    assert candidate_zones(declared, postal_code, phones) == zones


def test_contiguous_us_constant() -> None:
    assert CONTIGUOUS_US_ZONES == CONTIGUOUS


@pytest.mark.parametrize(
    ("declared", "postal_code", "phones", "match"),
    [
        (("America/Nowhere",), None, (), "unknown time zone 'America/Nowhere'"),
        (("localtime",), None, (), "unknown time zone"),
        (("EST5EDT ",), None, (), "unknown time zone"),
        (("",), None, (), "unknown time zone"),
        (("America/Chicago", "Mars/Base"), "60601", (), "unknown time zone 'Mars/Base'"),
        ((), "00000", (), "postal code '00000' does not exist"),
        ((), "99999", (), "does not exist"),
        ((), "1234", (), "invalid postal code"),
        ((), "123456", (), "invalid postal code"),
        ((), "60601-12", (), "invalid postal code"),
        ((), " 60601", (), "invalid postal code"),
        ((), "SW1A 1AA", (), "invalid postal code"),
        ((), "", (), "invalid postal code"),
        ((), None, ("4155550123",), "not in E.164 form"),
        ((), None, ("+1 415 555 0123",), "not in E.164 form"),
        ((), None, ("+1-415-555-0123",), "not in E.164 form"),
        ((), None, ("(415) 555-0123",), "not in E.164 form"),
        ((), None, ("+0123456789",), "not in E.164 form"),
        ((), None, ("+1415555012345678",), "not in E.164 form"),
        ((), None, ("",), "not in E.164 form"),
        ((), None, ("+11115550123",), "not a valid number"),
        ((), None, ("+1415555",), "not a valid number"),
        (("America/Chicago",), "60601", ("+13125550142", "+1312"), "'\\+1312'"),
    ],
)
def test_bad_signals_raise_even_when_another_gives_a_zone(
    declared: tuple[str, ...], postal_code: str | None, phones: tuple[str, ...], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        candidate_zones(declared, postal_code, phones)


@pytest.mark.parametrize("name", ["America/Chicago", "UTC", "Pacific/Chatham", "US/Pacific"])
def test_validate_zone_returns_the_name(name: str) -> None:
    assert validate_zone(name) == name


@pytest.mark.parametrize("name", ["Etc/Unknown", "America", "/etc/localtime", "../etc/passwd"])
def test_validate_zone_rejects(name: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        validate_zone(name)


@pytest.mark.parametrize(
    ("code", "zip5"), [("60601", "60601"), ("60601-1234", "60601"), ("00501", "00501")]
)
def test_validate_postal_code_returns_the_zip(code: str, zip5: str) -> None:
    assert validate_postal_code(code) == zip5


@pytest.mark.parametrize("code", ["00000", "6060", "606011", "ABCDE", "60601 1234"])
def test_validate_postal_code_rejects(code: str) -> None:
    with pytest.raises(ValueError, match="postal code"):
        validate_postal_code(code)


@pytest.mark.parametrize("phone", ["+14155550123", "+18005550100", "+442079460000"])
def test_validate_phone_returns_the_number(phone: str) -> None:
    assert validate_phone(phone) == phone


@pytest.mark.parametrize("phone", ["14155550123", "+1 4155550123", "+11115550123", "+44"])
def test_validate_phone_rejects(phone: str) -> None:
    with pytest.raises(ValueError, match="phone"):
        validate_phone(phone)


def test_lookups_are_indexed_not_scanned() -> None:
    postal_code_zones("60601")  # builds the index once
    codes = [f"{n:05d}" for n in range(10001, 12000)]
    started = time.perf_counter()
    found = 0
    for code in codes:
        with contextlib.suppress(ValueError):
            found += bool(postal_code_zones(code))
    # zipcodes.matching scans 42,000 rows per call (milliseconds each); the index does not.
    assert time.perf_counter() - started < 0.5
    assert found > 500


def test_results_are_cached() -> None:
    args = (("America/Chicago",), "10001", ("+14155550123",))
    assert candidate_zones(*args) is candidate_zones(*args)
    assert phone_zones("+14155550123") is phone_zones("+14155550123")
