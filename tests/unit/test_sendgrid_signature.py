"""SendGrid's Signed Event Webhook: fixed vectors, tampering, garbage headers, freshness, keys."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from sendgrid.helpers.eventwebhook import EventWebhook

from channels.sendgrid_signature import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    is_fresh,
    is_valid_signature,
    load_public_key,
)

# SendGrid's published vector: sendgrid/sendgrid-python, test/unit/test_eventwebhook.py (found
# with the code search; the same values are in sendgrid-nodejs's eventwebhook.spec.js). The
# payload is compact JSON with sorted keys and a trailing CRLF, exactly as SendGrid posts it.
SG_PUBLIC_KEY = (
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+"
    "2fNNRaINXvVpiglSI8eNEc6wEA3F+g=="
)
SG_SIGNATURE = (
    "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM"
    "+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM="
)
SG_TIMESTAMP = "1600112502"
SG_PAYLOAD = (
    json.dumps(
        [
            {
                "email": "hello@world.com",
                "event": "dropped",
                "reason": "Bounced Address",
                "sg_event_id": "ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA",
                "sg_message_id": (
                    "LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0"
                ),
                "smtp-id": "<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>",
                "timestamp": 1600112492,
            }
        ],
        sort_keys=True,
        separators=(",", ":"),
    )
    + "\r\n"
).encode()
# The other key and the other signature from the same test file: valid, but not these.
SG_OTHER_KEY = (
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQrIbsd4SXZkLW6jDutdhXSJCWHw8REntlo7a"
    "NDthvj+y7GjUuFDb/R1NGe1OPzpA=="
)
SG_OTHER_SIGNATURE = (
    "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a"
    "8xonZGi6BpSzoQsbVRamr2nlxFDWYNH3j/0="
)

# Generated once with cryptography (a fresh P-256 key, signed over timestamp + payload) and
# pasted here; the SDK's EventWebhook accepts it too. The payload is not ASCII on purpose: the
# signature covers the raw UTF-8 bytes.
OUR_PUBLIC_KEY = (
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEu+OXfzTHRfuJYG2PsDjZJ9nfhkQSzSLSN0HcAHHAAP1QUjqQ0A1O1Nim"
    "LL1ZedXzS+QSb8BlVZJ2njgSv7V1lw=="
)
OUR_PUBLIC_KEY_PEM = """-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEu+OXfzTHRfuJYG2PsDjZJ9nfhkQS
zSLSN0HcAHHAAP1QUjqQ0A1O1NimLL1ZedXzS+QSb8BlVZJ2njgSv7V1lw==
-----END PUBLIC KEY-----
"""
OUR_SIGNATURE = (
    "MEYCIQDhLjBHm7eWm9cw+erBVRB5PeLti1FWTMHus8rChhLiiAIhAKXhTA+e"
    "OOeVGbwdcXQLH9rsH6vQSAsB0kcsBIW+hnn+"
)
OUR_TIMESTAMP = "1773176400"
OUR_PAYLOAD = (
    b'[{"email":"maria.lopez@example.com","event":"delivered",'
    b'"sg_event_id":"ZGVsaXZlcmVkLTAtMTIzNDU2",'
    b'"sg_message_id":"w2Vmn3FXQ0y1hQwX8yH1Ag.recvd-5f6d8b-abcde-1-69B07A50-3.0",'
    b'"parley_message_id":"msg_01JNX5Q0ZK",'
    b'"response":"250 2.0.0 OK Se\xc3\xb1or M\xc3\xbcller","timestamp":1773176395}]\r\n'
)

VECTORS = [
    pytest.param(SG_PUBLIC_KEY, SG_SIGNATURE, SG_TIMESTAMP, SG_PAYLOAD, id="sendgrid"),
    pytest.param(OUR_PUBLIC_KEY, OUR_SIGNATURE, OUR_TIMESTAMP, OUR_PAYLOAD, id="generated"),
]


def test_header_names() -> None:
    assert SIGNATURE_HEADER == "X-Twilio-Email-Event-Webhook-Signature"
    assert TIMESTAMP_HEADER == "X-Twilio-Email-Event-Webhook-Timestamp"


@pytest.mark.parametrize(("key", "signature", "timestamp", "payload"), VECTORS)
def test_fixed_vectors_verify(key: str, signature: str, timestamp: str, payload: bytes) -> None:
    assert is_valid_signature(load_public_key(key), signature, timestamp, payload)
    # The SDK agrees (it takes the body as text).
    assert EventWebhook(key).verify_signature(payload.decode(), signature, timestamp)


@pytest.mark.parametrize(("key", "signature", "timestamp", "payload"), VECTORS)
def test_a_flipped_payload_byte_fails(
    key: str, signature: str, timestamp: str, payload: bytes
) -> None:
    public_key = load_public_key(key)
    for index in (0, len(payload) // 2, len(payload) - 1):
        tampered = bytearray(payload)
        tampered[index] ^= 0x01
        assert not is_valid_signature(public_key, signature, timestamp, bytes(tampered))
    # Re-serialised JSON is not the signed body either: without the trailing CRLF.
    assert not is_valid_signature(public_key, signature, timestamp, payload.rstrip())


@pytest.mark.parametrize(("key", "signature", "timestamp", "payload"), VECTORS)
def test_another_timestamp_fails(key: str, signature: str, timestamp: str, payload: bytes) -> None:
    public_key = load_public_key(key)
    for other in (str(int(timestamp) + 1), "", " " + timestamp, timestamp + "0"):
        assert not is_valid_signature(public_key, signature, other, payload)


def test_a_signature_from_another_key_fails() -> None:
    sg_key, our_key = load_public_key(SG_PUBLIC_KEY), load_public_key(OUR_PUBLIC_KEY)
    assert not is_valid_signature(sg_key, OUR_SIGNATURE, OUR_TIMESTAMP, OUR_PAYLOAD)
    assert not is_valid_signature(our_key, SG_SIGNATURE, SG_TIMESTAMP, SG_PAYLOAD)
    assert not is_valid_signature(
        load_public_key(SG_OTHER_KEY), SG_SIGNATURE, SG_TIMESTAMP, SG_PAYLOAD
    )
    assert not is_valid_signature(sg_key, SG_OTHER_SIGNATURE, SG_TIMESTAMP, SG_PAYLOAD)


def test_a_fresh_signature_round_trips() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    body = b'[{"event":"processed"}]\r\n\xff not even UTF-8'
    signature = private.sign(b"1773176400" + body, ec.ECDSA(hashes.SHA256()))
    key = load_public_key(base64.b64encode(der).decode())
    assert is_valid_signature(key, base64.b64encode(signature).decode(), "1773176400", body)


_GOOD = base64.b64decode(SG_SIGNATURE)
_RAW_R_S = b"".join(n.to_bytes(32, "big") for n in decode_dss_signature(_GOOD))


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param(SG_SIGNATURE[:-8], id="truncated-base64"),
        pytest.param(base64.b64encode(_GOOD[:-1]).decode(), id="truncated-der"),
        pytest.param(base64.b64encode(_GOOD + b"\x00").decode(), id="trailing-byte"),
        pytest.param(SG_SIGNATURE.rstrip("="), id="no-padding"),
        pytest.param("not base64 at all!", id="not-base64"),
        pytest.param(SG_SIGNATURE.replace("+", "-").replace("/", "_"), id="urlsafe-alphabet"),
        pytest.param("é" + SG_SIGNATURE, id="non-ascii"),
        pytest.param("\ud800", id="lone-surrogate"),
        pytest.param(base64.b64encode(b"\x00" * 64).decode(), id="zeros"),
        pytest.param(base64.b64encode(_RAW_R_S).decode(), id="raw-r-s-not-der"),
        pytest.param(SG_SIGNATURE * 40, id="huge"),
        pytest.param("A" * 100_000, id="enormous"),
    ],
)
def test_garbage_signatures_are_false_not_errors(signature: str) -> None:
    key = load_public_key(SG_PUBLIC_KEY)
    assert is_valid_signature(key, signature, SG_TIMESTAMP, SG_PAYLOAD) is False


@pytest.mark.parametrize("timestamp", ["١٦٠٠١١٢٥٠٢", "\ud800", "1600112502\x00"])
def test_garbage_timestamps_are_false_not_errors(timestamp: str) -> None:
    key = load_public_key(SG_PUBLIC_KEY)
    assert is_valid_signature(key, SG_SIGNATURE, timestamp, SG_PAYLOAD) is False


NOW = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)
NOW_TS = int(NOW.timestamp())


@pytest.mark.parametrize(
    ("timestamp", "fresh"),
    [
        pytest.param(str(NOW_TS), True, id="now"),
        pytest.param(str(NOW_TS - 300), True, id="5-min-old"),
        pytest.param(str(NOW_TS - 301), False, id="5-min-1-s-old"),
        pytest.param(str(NOW_TS + 60), True, id="1-min-ahead"),
        pytest.param(str(NOW_TS + 61), False, id="beyond-skew"),
        pytest.param(str(NOW_TS + 86_400), False, id="tomorrow"),
        pytest.param("0", False, id="epoch"),
        pytest.param("", False, id="empty"),
        pytest.param("12a", False, id="not-digits"),
        pytest.param("١٢٣", False, id="arabic-indic-digits"),
        pytest.param("\uff11\uff17\uff17\uff13", False, id="fullwidth-digits"),
        pytest.param("9" * 400, False, id="400-digits"),
        pytest.param(f"-{NOW_TS}", False, id="negative"),
        pytest.param(f"+{NOW_TS}", False, id="plus-sign"),
        pytest.param(f" {NOW_TS}", False, id="leading-space"),
        pytest.param(f"{NOW_TS}.0", False, id="decimal"),
        pytest.param(f"{NOW_TS:_}", False, id="underscores"),
    ],
)
def test_freshness(timestamp: str, fresh: bool) -> None:
    assert is_fresh(timestamp, NOW) is fresh


def test_freshness_windows_are_configurable() -> None:
    assert is_fresh(str(NOW_TS - 3600), NOW, max_age=timedelta(hours=1))
    assert not is_fresh(str(NOW_TS + 30), NOW, max_future=timedelta(0))


def test_freshness_needs_an_aware_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_fresh(str(NOW_TS), datetime(2026, 3, 10, 21, 0))


def test_load_public_key_accepts_der_base64_and_pem() -> None:
    der_key = load_public_key(OUR_PUBLIC_KEY)
    pem_key = load_public_key(OUR_PUBLIC_KEY_PEM)
    wrapped = load_public_key("\n  " + OUR_PUBLIC_KEY[:40] + "\n" + OUR_PUBLIC_KEY[40:] + "  \n")
    assert der_key.public_numbers() == pem_key.public_numbers() == wrapped.public_numbers()
    assert isinstance(der_key.curve, ec.SECP256R1)


def _pem(key: object) -> str:
    assert isinstance(
        key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
    )
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _der_b64(key: ec.EllipticCurvePrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


_P256 = ec.generate_private_key(ec.SECP256R1())
_P384 = ec.generate_private_key(ec.SECP384R1())


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("not a key", id="garbage"),
        pytest.param("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE", id="truncated"),
        pytest.param(base64.b64encode(b"\x30\x03\x02\x01\x00").decode(), id="not-a-key-der"),
        pytest.param("é" + OUR_PUBLIC_KEY, id="non-ascii"),
        pytest.param(_der_b64(_P384), id="p384-der"),
        pytest.param(_pem(_P384), id="p384-pem"),
        pytest.param(_pem(ec.generate_private_key(ec.SECP256K1())), id="secp256k1"),
        pytest.param(_pem(rsa.generate_private_key(65537, 2048)), id="rsa"),
        pytest.param(_pem(ed25519.Ed25519PrivateKey.generate()), id="ed25519"),
        pytest.param(
            _P256.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode(),
            id="private-pem",
        ),
        pytest.param(
            base64.b64encode(
                _P256.private_bytes(
                    serialization.Encoding.DER,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            ).decode(),
            id="private-der",
        ),
        pytest.param("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", id="bad-pem"),
    ],
)
def test_load_public_key_refuses_what_is_not_a_p256_public_key(value: str) -> None:
    with pytest.raises(ValueError, match="not a SendGrid verification key"):
        load_public_key(value)
