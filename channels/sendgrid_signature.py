"""SendGrid's Signed Event Webhook (also used by signed Inbound Parse): pure functions, no I/O.

SendGrid signs each webhook POST with ECDSA over the NIST P-256 curve and SHA-256:

1. the signed message is the ``X-Twilio-Email-Event-Webhook-Timestamp`` header value followed
   by the request body, exactly as received (raw bytes: no JSON re-serialisation, the trailing
   CRLF included);
2. the ``X-Twilio-Email-Event-Webhook-Signature`` header is the base64 of the DER-encoded
   (ASN.1 ``SEQUENCE {r, s}``) signature;
3. the verification key is shown in SendGrid's settings as base64 of a DER SubjectPublicKeyInfo
   (a PEM block without its armour lines).

This mirrors ``sendgrid.helpers.eventwebhook.EventWebhook`` (sendgrid 6.12), and the tests pin
its published test vector. The deliberate differences from the SDK: the body is taken as bytes
(the SDK takes ``str`` and re-encodes it, which breaks on a body that is not UTF-8), and garbage
headers give False instead of an exception. The signature says nothing about age; ``is_fresh``
bounds the timestamp so a captured request cannot be replayed later.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "is_fresh",
    "is_valid_signature",
    "load_public_key",
]

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"

# A DER ECDSA P-256 signature is at most 72 bytes (96 base64 characters); anything much longer
# is not a signature, and is refused before any decoding work.
_MAX_SIGNATURE_CHARS = 128
# Unix seconds have 10 digits until the year 2286; the bound keeps int() cheap on hostile input.
_MAX_TIMESTAMP_DIGITS = 12
_ALGORITHM = ec.ECDSA(hashes.SHA256())


def load_public_key(value: str) -> ec.EllipticCurvePublicKey:
    """The verification key from SendGrid's settings, as a P-256 public key.

    ``value`` is what SendGrid shows: base64 of the DER SubjectPublicKeyInfo. A full PEM block
    (``-----BEGIN PUBLIC KEY-----`` ...) is accepted too. Raises ValueError when ``value`` is not
    a P-256 public key (garbage, another curve, another algorithm, a private key).
    """
    text = value.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = load_pem_public_key(text.encode("ascii"))
        else:
            # The key is often pasted from a web page wrapped over lines: whitespace is noise.
            der = base64.b64decode("".join(text.split()).encode("ascii"), validate=True)
            key = load_der_public_key(der)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        # UnicodeEncodeError and binascii.Error are ValueErrors too.
        raise ValueError(
            "not a SendGrid verification key: expected the base64 DER (or PEM) of a P-256 "
            "public key, as shown in SendGrid's Mail Settings"
        ) from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError(
            "not a SendGrid verification key: SendGrid signs with ECDSA over P-256, "
            f"this key is {type(key).__name__}"
            + (f" on {key.curve.name}" if isinstance(key, ec.EllipticCurvePublicKey) else "")
        )
    return key


def is_valid_signature(
    public_key: ec.EllipticCurvePublicKey, signature_b64: str, timestamp: str, payload: bytes
) -> bool:
    """Whether ``signature_b64`` is SendGrid's signature of ``timestamp`` + ``payload``.

    ``payload`` is the raw request body; ``timestamp`` and ``signature_b64`` are the header values
    as received. Never raises on a hostile header: anything that is not a valid signature (empty,
    not base64, not DER, truncated, not ASCII) is simply False.
    """
    signature_b64 = signature_b64.strip()
    if not signature_b64 or len(signature_b64) > _MAX_SIGNATURE_CHARS:
        return False
    if not signature_b64.isascii() or not timestamp.isascii():
        return False
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except binascii.Error:
        return False
    try:
        public_key.verify(signature, timestamp.encode("ascii") + payload, _ALGORITHM)
    except (InvalidSignature, ValueError):
        # cryptography reports a malformed DER signature as InvalidSignature; ValueError is kept
        # in case a version reports it otherwise.
        return False
    return True


def is_fresh(
    timestamp: str,
    now: datetime,
    *,
    max_age: timedelta = timedelta(minutes=5),
    max_future: timedelta = timedelta(minutes=1),
) -> bool:
    """Whether the signed ``timestamp`` (Unix seconds) is recent enough to accept at ``now``.

    Accepts from ``max_age`` in the past (SendGrid retries re-sign with a new timestamp) to
    ``max_future`` ahead (clock skew). Only plain ASCII digits are a timestamp: no sign, no
    spaces, no other scripts' digits (which ``int()`` would accept), at most a dozen of them.
    ``now`` must be timezone-aware.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not 0 < len(timestamp) <= _MAX_TIMESTAMP_DIGITS:
        return False
    if not (timestamp.isascii() and timestamp.isdigit()):
        return False
    age = now.timestamp() - int(timestamp)
    return -max_future.total_seconds() <= age <= max_age.total_seconds()
