"""The URL a Twilio signature is checked against: settings, or a trusted proxy's headers."""

from __future__ import annotations

from aiohttp.test_utils import make_mocked_request

from gateway.config import load_settings
from gateway.webhooks.twilio_auth import signed_url

PATH = "/webhooks/twilio/status?message_id=msg_1"


def test_the_public_url_names_the_origin_whatever_the_host_header_says() -> None:
    settings = load_settings(public_url="https://parley.example.com")
    request = make_mocked_request("POST", PATH, headers={"Host": "attacker.example"})
    assert signed_url(request, settings) == "https://parley.example.com" + PATH


def test_a_public_url_with_a_path_prefix_keeps_it() -> None:
    settings = load_settings(public_url="https://example.com/parley/")
    request = make_mocked_request("POST", PATH)
    assert signed_url(request, settings) == "https://example.com/parley" + PATH


def test_behind_a_trusted_proxy_the_forwarded_headers_name_it() -> None:
    settings = load_settings(trust_proxy=True)
    headers = {
        "Host": "10.0.0.5:8080",
        "X-Forwarded-Proto": "https, http",
        "X-Forwarded-Host": "edge.example.com",
    }
    request = make_mocked_request("POST", PATH, headers=headers)
    assert signed_url(request, settings) == "https://edge.example.com" + PATH


def test_forwarded_headers_are_ignored_unless_the_proxy_is_trusted() -> None:
    settings = load_settings(public_url="https://parley.example.com")
    headers = {"X-Forwarded-Proto": "http", "X-Forwarded-Host": "evil.example"}
    request = make_mocked_request("POST", PATH, headers=headers)
    assert signed_url(request, settings) == "https://parley.example.com" + PATH
