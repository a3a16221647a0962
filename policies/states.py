"""Where the consumer may live, as region codes: which state (and city) rule overlays apply.

Signals are the postal code (the bundled `zipcodes` dataset: the row's state, and "nyc" for a
ZIP in one of New York City's five boroughs) and the area code of each phone number (the
`phonenumbers` geocoder names the state; the city's own area codes add "nyc"). As with quiet
hours, every signal counts and the candidates are their union: an overlay applies when the
consumer may be in its region, because applying one too many rules only makes contact rarer,
while missing one breaks a law. With no signal that names a region (nothing on file, only a
toll-free number, a military ZIP) the answer is ALL_REGIONS, ("*",): every overlay applies.
Bad input raises ValueError, as in `policies.timezones`.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import phonenumbers
from phonenumbers import geocoder

from policies.timezones import validate_phone, validate_postal_code, zip_rows

__all__ = [
    "ALL_REGIONS",
    "NYC",
    "candidate_regions",
    "phone_regions",
    "postal_code_regions",
    "preload",
]

# "Every overlay applies": what the caller gets when no signal names a region.
ALL_REGIONS = ("*",)
NYC = "nyc"
# The five boroughs are the five counties of New York City.
_NYC_COUNTIES = frozenset(
    {"New York County", "Kings County", "Queens County", "Bronx County", "Richmond County"}
)
# Area codes that only New York City uses (NANPA): Manhattan 212/332/646, the other boroughs
# 718/347/929, and 917 across the city.
_NYC_AREA_CODES = frozenset({"212", "332", "347", "646", "718", "917", "929"})
# APO/FPO/DPO codes (states AA, AE, AP) name no state.
_MILITARY_STATES = frozenset({"AA", "AE", "AP"})
# US territories have their own country calling region in phonenumbers (PR, VI, GU, AS, MP)
# and their USPS code is that region's code.
_TERRITORY_REGIONS = frozenset({"PR", "VI", "GU", "AS", "MP"})
_STATES = {
    "Alabama": "al",
    "Alaska": "ak",
    "Arizona": "az",
    "Arkansas": "ar",
    "California": "ca",
    "Colorado": "co",
    "Connecticut": "ct",
    "Delaware": "de",
    "Florida": "fl",
    "Georgia": "ga",
    "Hawaii": "hi",
    "Idaho": "id",
    "Illinois": "il",
    "Indiana": "in",
    "Iowa": "ia",
    "Kansas": "ks",
    "Kentucky": "ky",
    "Louisiana": "la",
    "Maine": "me",
    "Maryland": "md",
    "Massachusetts": "ma",
    "Michigan": "mi",
    "Minnesota": "mn",
    "Mississippi": "ms",
    "Missouri": "mo",
    "Montana": "mt",
    "Nebraska": "ne",
    "Nevada": "nv",
    "New Hampshire": "nh",
    "New Jersey": "nj",
    "New Mexico": "nm",
    "New York": "ny",
    "North Carolina": "nc",
    "North Dakota": "nd",
    "Ohio": "oh",
    "Oklahoma": "ok",
    "Oregon": "or",
    "Pennsylvania": "pa",
    "Rhode Island": "ri",
    "South Carolina": "sc",
    "South Dakota": "sd",
    "Tennessee": "tn",
    "Texas": "tx",
    "Utah": "ut",
    "Vermont": "vt",
    "Virginia": "va",
    "West Virginia": "wv",
    "Wisconsin": "wi",
    "Wyoming": "wy",
}
# The geocoder's other names for US places (its English data, phonenumbers 9).
_PLACES = {
    **_STATES,
    "Washington State": "wa",
    "Washington D.C.": "dc",
    "Long Island": "ny",
}
_STATE_CODES = frozenset({*_STATES.values(), "dc"})
# Below the area code the geocoder names a city: "Cambridge, MA".
_CITY_STATE = re.compile(r".+, ([A-Z]{2})")


@cache
def _zip_index() -> dict[str, tuple[str, ...]]:
    """ZIP code -> regions, built once: `zipcodes.matching` is a linear scan per call."""
    rows = zip_rows()
    # A few rows carry no county; the postal city names used inside the five boroughs
    # (Brooklyn, Jamaica, Flushing...) place those.
    nyc_cities = {
        row["city"] for row in rows if row["state"] == "NY" and row["county"] in _NYC_COUNTIES
    }
    index: dict[str, set[str]] = {}
    for row in rows:
        regions = index.setdefault(row["zip_code"], set())
        state = row["state"]
        if state in _MILITARY_STATES:
            continue
        regions.add(state.lower())
        if state == "NY" and (
            row["county"] in _NYC_COUNTIES or (not row["county"] and row["city"] in nyc_cities)
        ):
            regions.add(NYC)
    return {code: tuple(sorted(regions)) for code, regions in index.items()}


def preload() -> None:
    """Build the ZIP index and load the geocoder data now rather than on the first decision."""
    _zip_index()
    phone_regions("+16175550123")


@lru_cache(maxsize=16384)
def postal_code_regions(code: str) -> tuple[str, ...]:
    """Regions of a US postal code (5 digits or ZIP+4); () for military codes.

    Raises ValueError for a malformed or unknown postal code.
    """
    return _zip_index()[validate_postal_code(code)]


@lru_cache(maxsize=16384)
def phone_regions(number: str) -> tuple[str, ...]:
    """Regions of a phone's area code; () when it names none (toll-free, non-geographic, not US).

    Raises ValueError for a number that is not a valid E.164 phone number.
    """
    parsed = phonenumbers.parse(validate_phone(number), None)
    region = phonenumbers.region_code_for_number(parsed)
    if region in _TERRITORY_REGIONS:
        return (region.lower(),)
    if region != "US":
        return ()
    regions: set[str] = set()
    description = geocoder.description_for_number(parsed, "en")
    city = _CITY_STATE.fullmatch(description)
    if city is not None and city.group(1).lower() in _STATE_CODES:
        regions.add(city.group(1).lower())
    elif description in _PLACES:
        regions.add(_PLACES[description])
    if str(parsed.national_number)[:3] in _NYC_AREA_CODES:
        regions.update(("ny", NYC))
    return tuple(sorted(regions))


@lru_cache(maxsize=16384)
def candidate_regions(postal_code: str | None, phones: tuple[str, ...]) -> tuple[str, ...]:
    """Every region the consumer may be in, as sorted lowercase codes ("ma", "ny", "nyc").

    The union of the postal code's regions and each phone's; ALL_REGIONS, ("*",), when none
    of them names a region. Every signal is validated, even when another already named one:
    ValueError for a malformed or unknown postal code or a phone that is not valid E.164.
    """
    regions: set[str] = set()
    if postal_code is not None:
        regions.update(postal_code_regions(postal_code))
    for phone in phones:
        regions.update(phone_regions(phone))
    return tuple(sorted(regions)) or ALL_REGIONS
