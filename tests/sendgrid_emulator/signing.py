"""SendGrid's webhook signatures: ECDSA P-256 with SHA-256 over the timestamp and the raw body.

The Signed Event Webhook (and signed Inbound Parse) send two headers: the unix time in seconds,
and the base64 DER signature of ``timestamp.encode() + body``. The verification key SendGrid shows
is the base64 of the DER SubjectPublicKeyInfo, the body of a PEM ``PUBLIC KEY`` (which is how the
``sendgrid`` package's ``EventWebhook`` helper loads it).
"""

from __future__ import annotations

import base64
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"


class Signer:
    """An ECDSA P-256 key pair that signs webhook bodies as SendGrid does."""

    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())

    @property
    def public_key_b64(self) -> str:
        """The verification key: base64 of the DER SubjectPublicKeyInfo."""
        der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode()

    def headers(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """The two signature headers for ``body``, signed at ``timestamp`` (default now)."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = self._key.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        return {SIGNATURE_HEADER: base64.b64encode(signature).decode(), TIMESTAMP_HEADER: stamp}
