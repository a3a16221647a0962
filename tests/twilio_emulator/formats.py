"""Twilio's wire formats: API paths, SIDs, error bodies, timestamps, number fields and URLs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import phonenumbers

API_VERSION = "2010-04-01"
DEFAULT_ACCOUNT_SID = "AC" + "0" * 32
DEFAULT_AUTH_TOKEN = "emulator-auth-token-0123456789ab"

# Messages Twilio returns for the codes Parley reacts to; others get a generic text.
ERROR_MESSAGES = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    21200: "Calls Resource",
    21201: "No 'To' number specified",
    21205: "Invalid URL",
    21211: "Invalid 'To' Phone Number",
    21213: "'From' phone number is required",
    21220: "Call is not in-progress. Cannot redirect.",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
}


def account_path(account_sid: str) -> str:
    """The v2010 path every resource of ``account_sid`` lives under (no trailing slash)."""
    return f"/{API_VERSION}/Accounts/{account_sid}"


def new_sid(prefix: str) -> str:
    """A fresh SID: the resource's two-letter prefix (SM, CA, RE...) and 32 hex digits."""
    return prefix + uuid.uuid4().hex


def twilio_error(status: int, code: int, message: str | None = None) -> dict[str, Any]:
    """The JSON body Twilio's REST API sends with an error (the legacy, non-RFC-9457 shape)."""
    return {
        "code": code,
        "message": message or ERROR_MESSAGES.get(code, "Error"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def rfc2822(moment: datetime | None = None) -> str:
    """Twilio's v2010 timestamp format, e.g. ``Thu, 30 Jul 2015 20:12:31 +0000`` (default: now)."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def _parse_number(number: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(number)
    except phonenumbers.NumberParseException:  # client:alice, sip:..., garbage
        return None


def formatted_number(number: str) -> str:
    """``to_formatted``/``from_formatted``: national format in North America, else E.164."""
    parsed = _parse_number(number)
    if parsed is None:
        return number
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == 1
        else phonenumbers.PhoneNumberFormat.E164
    )
    return phonenumbers.format_number(parsed, style)


def country_of(number: str) -> str:
    """The ISO country Twilio puts in ``FromCountry``/``ToCountry`` ("" when unknown)."""
    parsed = _parse_number(number)
    if parsed is None or parsed.country_code is None:
        return ""
    # Test numbers such as +1500... are not "valid", so fall back to the calling code's region.
    region = phonenumbers.region_code_for_number(
        parsed
    ) or phonenumbers.region_code_for_country_code(parsed.country_code)
    return "" if region in (None, "ZZ") else region


def with_query(url: str, query: str) -> str:
    """``url`` with ``query`` appended, the way Twilio appends parameters to a GET webhook."""
    if not query:
        return url
    return f"{url}{'&' if urlsplit(url).query else '?'}{query}"


def is_absolute(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) URL, as Twilio requires of webhook parameters."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
