"""Twilio webhook signatures: fixed vectors, and a cross-check against the real SDK's validator."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import pytest
from multidict import MultiDict
from twilio.request_validator import RequestValidator

from channels.twilio_signature import (
    compute_signature,
    is_valid_body_signature,
    is_valid_signature,
    url_variants,
)

# The worked example Twilio has long used to explain request validation (auth token "12345",
# a Voice webhook with a query string). Found via the docs corpus (twilio-php's validation guide
# and a gist quoting twilio.com/docs/usage/security); the SDK computes the same value.
DOCS_TOKEN = "12345"
DOCS_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOCS_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
DOCS_SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="

TOKEN = "0123456789abcdef0123456789abcdef"
SMS_URL = "https://parley.example.com/webhooks/twilio/sms"
SMS_PARAMS = {
    "AccountSid": "AC00000000000000000000000000000000",
    "Body": "STOP",
    "From": "+15005550006",
    "MessageSid": "SM11111111111111111111111111111111",
    "To": "+15005550001",
}

Params = Mapping[str, str | Sequence[str]]


def sdk_params(params: Params) -> MultiDict[str]:
    """The same fields as a MultiDict, the shape the SDK reads repeated keys from (getall)."""
    md: MultiDict[str] = MultiDict()
    for name, value in params.items():
        for v in [value] if isinstance(value, str) else value:
            md.add(name, v)
    return md


def test_twilio_docs_example() -> None:
    assert compute_signature(DOCS_TOKEN, DOCS_URL, DOCS_PARAMS) == DOCS_SIGNATURE
    assert is_valid_signature(DOCS_TOKEN, DOCS_URL, DOCS_PARAMS, DOCS_SIGNATURE)


# Computed once with twilio 9.13.0's RequestValidator.compute_signature and pinned here, so a
# change in either implementation (or an SDK upgrade that changes the algorithm) is noticed.
FIXED_VECTORS: list[tuple[str, Params, str]] = [
    (SMS_URL, SMS_PARAMS, "kuyrBQoJbhpGK/xE+KgVlzvuCa0="),
    (SMS_URL, {}, "sv+2SVpoczY8tfNxiRlbqY/8NT8="),
    (SMS_URL + "?a=1", {"To": ["+15005550002", "+15005550001"]}, "C07bF/TxZJsElb4GKB+v42J0Gig="),
    (SMS_URL, {"Body": "Pagaré mañana 💸"}, "YYbOHTsbNkuetzeG5Jxc0F5R/m8="),
]


@pytest.mark.parametrize(("url", "params", "expected"), FIXED_VECTORS)
def test_fixed_vectors(url: str, params: Params, expected: str) -> None:
    assert compute_signature(TOKEN, url, params) == expected
    assert RequestValidator(TOKEN).compute_signature(url, sdk_params(params)) == expected


CROSS_CHECK: list[tuple[str, Params]] = [
    (SMS_URL, SMS_PARAMS),
    ("https://parley.example.com:443/webhooks/twilio/sms", SMS_PARAMS),
    ("http://parley.example.com/webhooks/twilio/status", SMS_PARAMS),
    ("http://parley.example.com:80/webhooks/twilio/status", SMS_PARAMS),
    ("http://127.0.0.1:8080/webhooks/twilio/status", SMS_PARAMS),
    ("https://parley.example.com/webhooks/twilio/voice?step=menu&attempt=2", SMS_PARAMS),
    ("https://parley.example.com/webhooks/twilio/voice?q=a%20b%2Fc", {"Digits": "1#"}),
    (SMS_URL, {"MediaUrl": ["https://m/2", "https://m/1", "https://m/1"], "Body": ""}),
    (SMS_URL, {"Body": "Ünïcödé ✓ 中文", "FromCity": "SÃO PAULO"}),
    (SMS_URL, {"b": "1", "B": "2", "a": "3", "_": "4"}),
    (SMS_URL, {"Body": "  padded  \n", "SpeechResult": "one two"}),
    ("https://user:pw@parley.example.com/webhooks/twilio/sms", SMS_PARAMS),
]


@pytest.mark.parametrize(("url", "params"), CROSS_CHECK)
def test_agrees_with_sdk(url: str, params: Params) -> None:
    validator = RequestValidator(TOKEN)
    ours = compute_signature(TOKEN, url, params)
    assert ours == validator.compute_signature(url, sdk_params(params))
    # Each side accepts the other's signature, for every default-port spelling of the URL.
    for spelling in url_variants(url):
        signed_by_sdk = validator.compute_signature(spelling, sdk_params(params))
        assert is_valid_signature(TOKEN, url, params, signed_by_sdk)
        assert validator.validate(
            url, sdk_params(params), compute_signature(TOKEN, spelling, params)
        )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://h.example/p?x=1", ["https://h.example/p?x=1", "https://h.example:443/p?x=1"]),
        ("https://h.example:443/p", ["https://h.example:443/p", "https://h.example/p"]),
        ("http://h.example/p", ["http://h.example/p", "http://h.example:80/p"]),
        ("http://h.example:80/p", ["http://h.example:80/p", "http://h.example/p"]),
        ("https://h.example:8443/p", ["https://h.example:8443/p"]),
        ("http://h.example:443/p", ["http://h.example:443/p"]),
    ],
)
def test_url_variants_toggle_only_the_default_port(url: str, expected: list[str]) -> None:
    assert url_variants(url) == expected


def test_non_default_port_must_match() -> None:
    # The SDK strips any port when validating; we keep a non-default port as part of the origin.
    signed_without_port = compute_signature(TOKEN, "https://h.example/p", SMS_PARAMS)
    assert not is_valid_signature(
        TOKEN, "https://h.example:8443/p", SMS_PARAMS, signed_without_port
    )


def _tampered_params() -> list[Params]:
    out: list[Params] = []
    for name in SMS_PARAMS:
        out.append({**SMS_PARAMS, name: SMS_PARAMS[name] + "x"})
        out.append({k: v for k, v in SMS_PARAMS.items() if k != name})
    out.append({**SMS_PARAMS, "Extra": ""})
    out.append({**SMS_PARAMS, "To": [SMS_PARAMS["To"], "+15005550009"]})
    return out


@pytest.mark.parametrize("params", _tampered_params())
def test_tampered_params_fail(params: Params) -> None:
    signature = compute_signature(TOKEN, SMS_URL, SMS_PARAMS)
    assert not is_valid_signature(TOKEN, SMS_URL, params, signature)


@pytest.mark.parametrize(
    "url",
    [
        "http://parley.example.com/webhooks/twilio/sms",
        "https://parley.example.com/webhooks/twilio/sms/",
        "https://parley.example.com/webhooks/twilio/status",
        "https://parley.example.com/webhooks/twilio/sms?x=1",
        "https://parley.example.com:8443/webhooks/twilio/sms",
        "https://evil.example.com/webhooks/twilio/sms",
    ],
)
def test_tampered_url_fails(url: str) -> None:
    signature = compute_signature(TOKEN, SMS_URL, SMS_PARAMS)
    assert not is_valid_signature(TOKEN, url, SMS_PARAMS, signature)


def test_wrong_token_and_garbage_fail() -> None:
    signature = compute_signature(TOKEN, SMS_URL, SMS_PARAMS)
    assert is_valid_signature(TOKEN, SMS_URL, SMS_PARAMS, signature)
    assert not is_valid_signature(TOKEN[:-1] + "0", SMS_URL, SMS_PARAMS, signature)
    assert not is_valid_signature("", SMS_URL, SMS_PARAMS, compute_signature("", SMS_URL, {}))
    assert not is_valid_signature(TOKEN, SMS_URL, SMS_PARAMS, "")
    assert not is_valid_signature(TOKEN, SMS_URL, SMS_PARAMS, signature[:-2])
    assert not is_valid_signature(TOKEN, SMS_URL, SMS_PARAMS, "ünïcode-not-base64")


BODY = b'{"MessageSid": "SM11111111111111111111111111111111", "Body": "hola"}'


def _json_url(body: bytes, base: str = SMS_URL) -> str:
    return f"{base}?bodySHA256={hashlib.sha256(body).hexdigest()}"


def test_json_body_variant_agrees_with_sdk() -> None:
    url = _json_url(BODY)
    signature = compute_signature(TOKEN, url, {})
    assert is_valid_body_signature(TOKEN, url, BODY, signature)
    assert is_valid_body_signature(TOKEN, url, BODY.decode(), signature)
    assert RequestValidator(TOKEN).validate(url, BODY.decode(), signature)
    sdk_signature = RequestValidator(TOKEN).compute_signature(url, {})
    assert is_valid_body_signature(TOKEN, url, BODY, sdk_signature)


def test_json_body_variant_rejects_tampering() -> None:
    url = _json_url(BODY)
    signature = compute_signature(TOKEN, url, {})
    assert not is_valid_body_signature(TOKEN, url, BODY.replace(b"hola", b"hole"), signature)
    assert not is_valid_body_signature(TOKEN, url, BODY, compute_signature("other", url, {}))
    # A body hash swapped for the forged body's hash breaks the URL signature instead.
    forged = BODY.replace(b"hola", b"STOP")
    assert not is_valid_body_signature(TOKEN, _json_url(forged), forged, signature)
    # Without bodySHA256 the body is not covered by the signature, so it is not accepted.
    assert not is_valid_body_signature(TOKEN, SMS_URL, BODY, compute_signature(TOKEN, SMS_URL, {}))
