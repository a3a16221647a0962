"""Unsubscribe link tokens: minted per message with a key, read back only when untouched."""

from __future__ import annotations

import pytest
from pydantic import HttpUrl, SecretStr

from gateway.config import load_settings
from gateway.records.unsubscribe import (
    Recipient,
    message_of,
    unsubscribe_token,
    unsubscribe_url,
)

SETTINGS = load_settings(
    public_url=HttpUrl("https://parley.example.com"), unsubscribe_key=SecretStr("k1")
)
TOKEN = unsubscribe_token(SETTINGS, "msg_abc")


def test_a_token_names_its_message() -> None:
    assert TOKEN.startswith("msg_abc.")
    assert message_of(SETTINGS, TOKEN) == "msg_abc"
    assert unsubscribe_url(SETTINGS, "msg_abc") == f"https://parley.example.com/unsubscribe/{TOKEN}"


def test_a_fixed_vector() -> None:
    # HMAC-SHA256("k1", b"unsubscribe\0msg_abc"), base64url, first 27 characters.
    import base64
    import hashlib
    import hmac

    digest = hmac.new(b"k1", b"unsubscribe\x00msg_abc", hashlib.sha256).digest()
    expected = "msg_abc." + base64.urlsafe_b64encode(digest).decode()[:27]
    assert expected == TOKEN


@pytest.mark.parametrize(
    "token",
    [
        TOKEN.replace("msg_abc", "msg_abd"),
        TOKEN[:-1] + ("A" if TOKEN[-1] != "A" else "B"),
        TOKEN[:-1],
        "msg_abc",
        "msg_abc.",
        "." + TOKEN.split(".")[1],
        "",
        TOKEN + "x" * 200,
        "msg_abc.ÄÖÜ",
    ],
)
def test_a_changed_token_is_not_ours(token: str) -> None:
    assert message_of(SETTINGS, token) is None


def test_another_key_reads_no_token_of_this_one() -> None:
    other = SETTINGS.model_copy(update={"unsubscribe_key": SecretStr("k2")})
    assert message_of(other, TOKEN) is None


def test_the_page_shows_the_address_masked() -> None:
    assert Recipient("dana.debtor@example.com").masked == "d***@example.com"
