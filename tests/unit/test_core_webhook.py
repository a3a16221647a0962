"""Signing of the core-system webhook against fixed vectors (computed with openssl)."""

from __future__ import annotations

import pytest

from gateway.records.core_webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    encode_body,
    headers,
    sign,
    verify,
)

SECRET = b"parley-test-secret"
TIMESTAMP = 1767225600
BODY = b'{"account_ref":"A-1","id":"42","kind":"promise_to_pay"}'
# printf '%s' '1767225600.{"account_ref":"A-1","id":"42","kind":"promise_to_pay"}' \
#   | openssl dgst -sha256 -hmac 'parley-test-secret'
SIGNATURE = "sha256=cdb7a2fddb7026fe0577022810a7a26cb6edeb22892e8733ebed9221ed7042fa"


@pytest.mark.parametrize(
    ("secret", "timestamp", "body", "expected"),
    [
        (SECRET, TIMESTAMP, BODY, SIGNATURE),
        # printf '%s' '1700000000.' | openssl dgst -sha256 -hmac 'k'
        (
            b"k",
            1700000000,
            b"",
            "sha256=5c2999a43333a6877f49c8003f235c4f6de40f85b1b7414b70bd470a8db53d97",
        ),
    ],
)
def test_sign_matches_fixed_vectors(
    secret: bytes, timestamp: int, body: bytes, expected: str
) -> None:
    assert sign(secret, timestamp, body) == expected


def test_body_is_compact_json_with_sorted_keys() -> None:
    assert encode_body({"kind": "promise_to_pay", "id": "42", "account_ref": "A-1"}) == BODY
    assert encode_body({"data": {"note": "café"}}) == '{"data":{"note":"café"}}'.encode()


def test_headers_carry_timestamp_signature_and_delivery_id() -> None:
    assert headers(SECRET, BODY, timestamp=TIMESTAMP, delivery_id="42") == {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: "1767225600",
        SIGNATURE_HEADER: SIGNATURE,
        DELIVERY_HEADER: "42",
    }


@pytest.mark.parametrize("skew", [-300, 0, 299, 300])
def test_verify_accepts_a_genuine_request_within_tolerance(skew: int) -> None:
    assert verify(SECRET, str(TIMESTAMP), SIGNATURE, BODY, now=TIMESTAMP + skew)


@pytest.mark.parametrize(
    ("secret", "timestamp", "signature", "body"),
    [
        pytest.param(SECRET, str(TIMESTAMP), SIGNATURE, BODY[:-1] + b" }", id="tampered body"),
        pytest.param(SECRET, str(TIMESTAMP + 1), SIGNATURE, BODY, id="tampered timestamp"),
        pytest.param(b"another-secret", str(TIMESTAMP), SIGNATURE, BODY, id="wrong secret"),
        pytest.param(SECRET, str(TIMESTAMP), SIGNATURE.upper(), BODY, id="not the exact form"),
        pytest.param(SECRET, str(TIMESTAMP), SIGNATURE[7:], BODY, id="scheme missing"),
        pytest.param(SECRET, str(TIMESTAMP), "sha256=é", BODY, id="non-ascii signature"),
        pytest.param(SECRET, str(TIMESTAMP), "", BODY, id="empty signature"),
        pytest.param(SECRET, None, SIGNATURE, BODY, id="no timestamp header"),
        pytest.param(SECRET, str(TIMESTAMP), None, BODY, id="no signature header"),
        pytest.param(SECRET, f"{TIMESTAMP}.0", SIGNATURE, BODY, id="timestamp not an integer"),
        pytest.param(SECRET, f"-{TIMESTAMP}", SIGNATURE, BODY, id="negative timestamp"),
        pytest.param(SECRET, "١٧٦٧٢٢٥٦٠٠", SIGNATURE, BODY, id="non-ascii digits"),
    ],
)
def test_verify_rejects_forgeries(
    secret: bytes, timestamp: str | None, signature: str | None, body: bytes
) -> None:
    assert not verify(secret, timestamp, signature, body, now=TIMESTAMP)


@pytest.mark.parametrize("skew", [-301, 301, 86_400])
def test_verify_rejects_stale_or_future_timestamps(skew: int) -> None:
    assert not verify(SECRET, str(TIMESTAMP), SIGNATURE, BODY, now=TIMESTAMP + skew)


def test_tolerance_is_configurable() -> None:
    assert verify(SECRET, str(TIMESTAMP), SIGNATURE, BODY, now=TIMESTAMP + 3600, tolerance=3600)
    assert not verify(SECRET, str(TIMESTAMP), SIGNATURE, BODY, now=TIMESTAMP + 10, tolerance=5)
