"""Where the consumer may be: the time zones indicated by every location signal on file.

Signals are the declared zone(s), the postal code (the bundled `zipcodes` dataset) and the
area code of each phone number (`phonenumbers.timezone`). The candidate set is their union;
with no signal at all it is every zone of the contiguous US. Bad input raises ValueError:
guessing a zone could send a message at night, so nothing falls back silently.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_timezone

from policies.rule_settings import CONTIGUOUS_US_ZONES

__all__ = [
    "CONTIGUOUS_US_ZONES",
    "MAX_PHONE_ZONES",
    "candidate_zones",
    "load_zone",
    "phone_zones",
    "postal_code_zones",
    "preload",
    "signal_zones",
    "validate_phone",
    "validate_postal_code",
    "validate_zone",
    "zip_rows",
    "zone_infos",
]

# A geographic NANP area code maps to one or two zones (907: Anchorage and Adak; 208: Boise
# and Los Angeles). Toll-free and non-geographic numbers map to every NANP zone (42 today),
# which says nothing about where the consumer is.
MAX_PHONE_ZONES = 4
_UNKNOWN_ZONE = "Etc/Unknown"
# APO/FPO/DPO codes (states AA, AE, AP) carry no zone: the consumer may be anywhere.
_MILITARY_STATES = frozenset({"AA", "AE", "AP"})
_POSTAL_CODE = re.compile(r"([0-9]{5})(?:-[0-9]{4})?")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


@lru_cache(maxsize=1024)
def load_zone(name: str) -> ZoneInfo:
    """Load an IANA zone, raising ValueError for anything that is not one."""
    # "localtime" is a host alias for the machine's own zone, which would make the
    # decision depend on where the process runs.
    if not isinstance(name, str) or name == "localtime" or name.endswith("/localtime"):
        raise ValueError(f"unknown time zone {name!r}: not an IANA time zone name")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone {name!r}: not an IANA time zone name") from exc


def validate_zone(name: str) -> str:
    """Return `name` if it is an IANA time zone; ValueError otherwise."""
    load_zone(name)
    return name


@lru_cache(maxsize=4096)
def zone_infos(names: tuple[str, ...]) -> tuple[ZoneInfo, ...]:
    """The loaded zones of a tuple of names (cached: the engine calls this per decision)."""
    return tuple(load_zone(name) for name in names)


@cache
def zip_rows() -> list[dict[str, Any]]:
    """Every row of the bundled `zipcodes` dataset, read once (about half a second) for the
    zone index here and the region index of `policies.states`."""
    import zipcodes

    rows: list[dict[str, Any]] = zipcodes.list_all()  # type: ignore[no-untyped-call]
    return rows


@cache
def _zip_index() -> dict[str, tuple[str, ...]]:
    """ZIP code -> zones, built once: `zipcodes.matching` is a linear scan per call."""
    rows = zip_rows()
    by_state: dict[str, set[str]] = {}
    for row in rows:
        if _is_zone(row["timezone"]):
            by_state.setdefault(row["state"], set()).add(row["timezone"])
    index: dict[str, tuple[str, ...]] = {}
    for row in rows:
        zone = row["timezone"]
        if _is_zone(zone):
            zones: tuple[str, ...] = (zone,)
        elif row["state"] in _MILITARY_STATES:
            zones = ()
        else:
            # A few rows carry no usable zone; every zone of the state stands in for it.
            zones = tuple(sorted(by_state.get(row["state"], ())))
        index[row["zip_code"]] = tuple(sorted({*index.get(row["zip_code"], ()), *zones}))
    return index


def preload() -> None:
    """Build the ZIP index now (about a second) rather than on the first decision."""
    _zip_index()


def _is_zone(name: str) -> bool:
    try:
        load_zone(name)
    except ValueError:
        return False
    return True


def validate_postal_code(code: str) -> str:
    """Return the 5-digit ZIP of a US postal code (5 digits or ZIP+4); ValueError otherwise."""
    if not isinstance(code, str) or not (match := _POSTAL_CODE.fullmatch(code)):
        raise ValueError(
            f"invalid postal code {code!r}: expected a US ZIP code (12345 or 12345-6789)"
        )
    zip5 = match.group(1)
    if zip5 not in _zip_index():
        raise ValueError(f"postal code {code!r} does not exist")
    return zip5


@lru_cache(maxsize=16384)
def postal_code_zones(code: str) -> tuple[str, ...]:
    """Zones of a postal code; () for military codes, which indicate no place."""
    return _zip_index()[validate_postal_code(code)]


def validate_phone(number: str) -> str:
    """Return `number` if it is a valid phone number in E.164 form; ValueError otherwise."""
    _parse_phone(number)
    return number


def _parse_phone(number: str) -> phonenumbers.PhoneNumber:
    if not isinstance(number, str) or not _E164.fullmatch(number):
        raise ValueError(f"phone {number!r} is not in E.164 form (+ and 7 to 15 digits)")
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"phone {number!r} is not a valid number: {exc}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(f"phone {number!r} is not a valid number")
    return parsed


@lru_cache(maxsize=16384)
def phone_zones(number: str) -> tuple[str, ...]:
    """Zones of a phone's area code; () when it names no place (toll-free, non-geographic)."""
    zones = phone_timezone.time_zones_for_number(_parse_phone(number))
    if not zones or _UNKNOWN_ZONE in zones or len(zones) > MAX_PHONE_ZONES:
        return ()
    return tuple(sorted(z for z in zones if _is_zone(z)))


@lru_cache(maxsize=16384)
def signal_zones(
    declared: tuple[str, ...], postal_code: str | None, phones: tuple[str, ...]
) -> tuple[str, ...]:
    """The union of every zone the signals indicate, sorted; () when none indicates any.

    Every signal is validated even when another one already gave a zone.
    """
    zones = {validate_zone(name) for name in declared}
    if postal_code is not None:
        zones.update(postal_code_zones(postal_code))
    for phone in phones:
        zones.update(phone_zones(phone))
    return tuple(sorted(zones))


def candidate_zones(
    declared: tuple[str, ...], postal_code: str | None, phones: tuple[str, ...]
) -> tuple[str, ...]:
    """Every zone the consumer may be in: the signals' union, else the contiguous US zones.

    Raises ValueError for an unknown zone name, a postal code not in the dataset, or a phone
    that is not a valid E.164 number.
    """
    return signal_zones(declared, postal_code, phones) or CONTIGUOUS_US_ZONES
