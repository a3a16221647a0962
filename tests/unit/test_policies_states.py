"""Where the consumer may live, as region codes for the state overlays: the ZIP's state (and
New York City), each phone's area code, and every overlay when nothing names a place."""

import pytest

from policies.states import (
    ALL_REGIONS,
    candidate_regions,
    phone_regions,
    postal_code_regions,
)

BOSTON_PHONE = "+16175550123"
TOLL_FREE = "+18005550123"


@pytest.mark.parametrize(
    ("postal_code", "phones", "expected"),
    [
        # The ZIP alone.
        ("02108", (), ("ma",)),  # Boston
        ("02108-1234", (), ("ma",)),  # ZIP+4
        ("10001", (), ("ny", "nyc")),  # Manhattan
        ("11201", (), ("ny", "nyc")),  # Brooklyn
        ("11101", (), ("ny", "nyc")),  # Long Island City, Queens
        ("10451", (), ("ny", "nyc")),  # the Bronx
        ("10301", (), ("ny", "nyc")),  # Staten Island
        ("11437", (), ("ny", "nyc")),  # Jamaica, Queens: a row without a county
        ("11001", (), ("ny",)),  # Floral Park, Nassau County: New York State, not the city
        ("12207", (), ("ny",)),  # Albany
        ("98101", (), ("wa",)),  # Seattle
        ("75201", (), ("tx",)),  # Dallas
        ("00901", (), ("pr",)),  # San Juan
        # Every signal counts: the union of all of them.
        ("60601", (BOSTON_PHONE,), ("il", "ma")),  # Chicago ZIP, Boston area code
        ("90012", ("+13045550123", "+12065550123"), ("ca", "wa", "wv")),
        (None, ("+12125550123",), ("ny", "nyc")),  # a Manhattan area code
        (None, ("+17185550123",), ("ny", "nyc")),  # the outer boroughs' area code
        (None, ("+15165550123",), ("ny",)),  # Long Island, not the city
        (None, ("+14155550123",), ("ca",)),  # geocoded to a city: "San Francisco, CA"
        (None, ("+16175550123", "+16172530000"), ("ma",)),  # "Massachusetts", "Cambridge, MA"
        (None, ("+12025550123",), ("dc",)),
        (None, ("+17875550123",), ("pr",)),  # a territory with its own calling region
        # Toll-free numbers name no place: nothing from them.
        ("60601", (TOLL_FREE,), ("il",)),
        # Nothing names a place: every overlay applies.
        (None, (), ALL_REGIONS),
        (None, (TOLL_FREE,), ALL_REGIONS),
        (None, ("+18885550123", "+15005550123"), ALL_REGIONS),
        ("09001", (), ALL_REGIONS),  # APO Europe
        (None, ("+14165550123",), ALL_REGIONS),  # Toronto: not a US region
    ],
)
def test_candidate_regions(
    postal_code: str | None, phones: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    assert candidate_regions(postal_code, phones) == expected


def test_all_regions_is_the_star_alone() -> None:
    assert ALL_REGIONS == ("*",)


@pytest.mark.parametrize(
    ("postal_code", "phones"),
    [
        ("2108", ()),
        ("02108-12", ()),
        ("00000", ()),  # well formed, but no such ZIP
        (None, ("6175550123",)),  # not E.164
        (None, ("+1617555012",)),  # too short to be a valid US number
        # Every signal is validated, even when another one names a region already.
        ("02108", ("+1",)),
        ("bogus", (BOSTON_PHONE,)),
    ],
)
def test_bad_signals_raise_rather_than_fall_back(
    postal_code: str | None, phones: tuple[str, ...]
) -> None:
    with pytest.raises(ValueError, match=r"postal code|phone"):
        candidate_regions(postal_code, phones)


def test_the_parts_answer_alone() -> None:
    assert postal_code_regions("10001") == ("ny", "nyc")
    assert postal_code_regions("09001") == ()
    assert phone_regions(BOSTON_PHONE) == ("ma",)
    assert phone_regions(TOLL_FREE) == ()
