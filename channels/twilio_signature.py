"""Twilio webhook signatures (``X-Twilio-Signature``): pure functions, no I/O.

Twilio signs every webhook it sends with HMAC-SHA1 keyed by the account's auth token:

1. start from the full URL Twilio requested, query string included;
2. for a form-encoded POST, append each parameter name followed by its value, names in sorted
   order; a repeated name contributes each of its distinct values, in sorted order;
3. HMAC-SHA1 the resulting UTF-8 string with the auth token and base64-encode the digest.

Webhooks with a JSON body are signed over the URL alone (no parameters); the URL then carries a
``bodySHA256`` query parameter holding the hex SHA-256 of the raw body, which binds the body.

This mirrors ``twilio.request_validator.RequestValidator`` (twilio 9.13) so the gateway's
verification agrees with the SDK's, and the tests cross-check the two. The deliberate differences
from the SDK: the comparison is ``hmac.compare_digest`` (the SDK's loop is constant-time only per
character), and only a *default* port (:443 for https, :80 for http) is treated as optional; the
SDK also accepts a signature computed without a non-default port, which names a different origin.

The module is kept free of gateway imports so the emulator in ``tests/`` can sign with the very
same code the gateway verifies with.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qs, urlsplit, urlunsplit

__all__ = [
    "SIGNATURE_HEADER",
    "compute_signature",
    "is_valid_body_signature",
    "is_valid_signature",
    "url_variants",
]

SIGNATURE_HEADER = "X-Twilio-Signature"

_DEFAULT_PORTS = {"https": 443, "http": 80}

Params = Mapping[str, str | Sequence[str]]


def _values(value: str | Sequence[str]) -> list[str]:
    """A parameter's values as a list; a bare ``str`` is one value, not a sequence of characters."""
    if isinstance(value, str):
        return [value]
    return list(value)


def compute_signature(auth_token: str, url: str, params: Params) -> str:
    """Return the base64 HMAC-SHA1 signature Twilio sends for ``url`` and POST ``params``.

    ``url`` must be exactly the URL Twilio requested (scheme, host, port as configured, path and
    query string, still percent-encoded). ``params`` maps each form field to its value, or to all
    of its values when the field is repeated. Identical repeated values count once, as in the SDK.
    """
    parts = [url]
    for name in sorted(params):
        for value in sorted(set(_values(params[name]))):
            parts.append(name)
            parts.append(value)
    mac = hmac.new(auth_token.encode("utf-8"), "".join(parts).encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def url_variants(url: str) -> list[str]:
    """Return ``url`` plus the spelling with its default port added or removed.

    Twilio is not consistent about whether the signed URL names the default port, so the SDK's
    validator tries both; so do we. Only the scheme's default port is toggled: a non-default port
    is part of the origin and must match as configured.
    """
    parts = urlsplit(url)
    default = _DEFAULT_PORTS.get(parts.scheme.lower())
    if default is None or not parts.hostname:
        return [url]
    userinfo, _, hostport = parts.netloc.rpartition("@")
    prefix = f"{userinfo}@" if userinfo else ""
    try:
        port = parts.port
    except ValueError:  # a malformed port: nothing sensible to toggle
        return [url]
    if port is None:
        other = urlunsplit(parts._replace(netloc=f"{prefix}{hostport}:{default}"))
    elif port == default:
        host = hostport[: hostport.rfind(":")]
        other = urlunsplit(parts._replace(netloc=f"{prefix}{host}"))
    else:
        return [url]
    return [url, other]


def _matches(auth_token: str, url: str, params: Params, signature: str) -> bool:
    """Whether ``signature`` matches any port spelling of ``url``; every variant is computed."""
    expected = signature.encode("utf-8")
    # Evaluate all variants (no short-circuit) so timing does not reveal which spelling matched.
    results = [
        hmac.compare_digest(compute_signature(auth_token, candidate, params).encode(), expected)
        for candidate in url_variants(url)
    ]
    return any(results)


def is_valid_signature(auth_token: str, url: str, params: Params, signature: str) -> bool:
    """Whether ``signature`` is Twilio's signature of a form-encoded webhook.

    ``url`` is the public URL Twilio requested (reconstructed from settings, not from the
    request's Host header, which an attacker controls); ``params`` are all the POST fields
    received, untrimmed. An empty or missing signature is never valid.
    """
    if not signature or not auth_token:
        return False
    return _matches(auth_token, url, params, signature)


def is_valid_body_signature(auth_token: str, url: str, body: bytes | str, signature: str) -> bool:
    """Whether ``signature`` is Twilio's signature of a webhook with a JSON body.

    Twilio signs such a request over the URL alone and puts the body's hex SHA-256 in the URL's
    ``bodySHA256`` query parameter. A URL without that parameter is rejected: otherwise the body
    would not be covered by the signature at all.
    """
    if not signature or not auth_token:
        return False
    claimed = parse_qs(urlsplit(url).query).get("bodySHA256")
    if not claimed:
        return False
    raw = body.encode("utf-8") if isinstance(body, str) else body
    body_ok = hmac.compare_digest(
        hashlib.sha256(raw).hexdigest().encode(), claimed[0].lower().encode("utf-8")
    )
    signature_ok = _matches(auth_token, url, {}, signature)
    return body_ok and signature_ok
