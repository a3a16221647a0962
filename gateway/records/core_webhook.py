"""Signing of the account-update webhooks Parley sends to core systems (pure; no I/O, no clock).

A delivery is a POST whose body is compact JSON with sorted keys, and these headers:

- ``X-Parley-Timestamp``: Unix seconds when the request was signed;
- ``X-Parley-Signature``: ``sha256=<hex HMAC-SHA256(secret, f"{timestamp}." + body)>``;
- ``X-Parley-Delivery``: the update id, the same on every retry, so receivers can drop repeats.

Signing the timestamp with the body lets a receiver reject replays of an old request:
``verify`` refuses timestamps more than ``tolerance`` seconds away from its clock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

SIGNATURE_HEADER = "X-Parley-Signature"
TIMESTAMP_HEADER = "X-Parley-Timestamp"
DELIVERY_HEADER = "X-Parley-Delivery"
SCHEME = "sha256="
DEFAULT_TOLERANCE_SECONDS = 300


def encode_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes that are signed and sent: compact JSON, sorted keys, UTF-8."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of ``f"{timestamp}."`` followed by the body bytes."""
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return SCHEME + digest


def headers(secret: bytes, body: bytes, *, timestamp: int, delivery_id: str) -> dict[str, str]:
    """The headers of one signed delivery (content type included)."""
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        DELIVERY_HEADER: delivery_id,
    }


def verify(
    secret: bytes,
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    *,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """True when the signature matches and the timestamp is within ``tolerance`` of ``now``.

    For receivers (and the tests): pass the raw header values and the raw body bytes, before
    any JSON parsing. Missing or malformed headers are simply not valid.
    """
    if not timestamp_header or not signature_header:
        return False
    # isdigit() alone accepts non-ASCII digits that int() would then read.
    if not (timestamp_header.isascii() and timestamp_header.isdigit()):
        return False
    timestamp = int(timestamp_header)
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).encode()
    # Bytes on both sides: compare_digest refuses non-ASCII str instead of answering False.
    return hmac.compare_digest(expected, signature_header.encode("utf-8", "replace"))
