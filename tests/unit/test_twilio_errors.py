"""Twilio REST errors mapped to what the worker does (retry, fail, teach the contact point)."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException

from channels.twilio_errors import effect_for, provider_error


@pytest.mark.parametrize(
    ("status", "code", "retryable", "effect"),
    [
        (400, 21610, False, "opted_out"),
        (400, 21211, False, "invalid_contact"),
        (400, 21614, False, "invalid_contact"),
        (400, 21606, False, None),
        (429, 20429, True, None),
        (500, 20500, True, None),
        (503, 20503, True, None),
        (401, 20003, False, None),
    ],
)
def test_rest_errors(status: int, code: int, retryable: bool, effect: str | None) -> None:
    exc = TwilioRestException(
        status, "https://api.twilio.com/x", msg=f"Unable to create record: error {code}", code=code
    )
    mapped = provider_error(exc)
    assert (mapped.code, mapped.retryable, mapped.effect) == (str(code), retryable, effect)
    assert mapped.message == f"error {code}"
    assert not mapped.outcome_unknown


def test_an_error_without_a_code_is_named_by_its_status() -> None:
    exc = TwilioRestException(502, "https://api.twilio.com/x", msg="Bad gateway")
    assert provider_error(exc).code == "http_502"


@pytest.mark.parametrize(
    ("code", "effect"),
    [(30005, "invalid_contact"), (30006, "invalid_contact"), (30003, None), (None, None)],
)
def test_delivery_error_codes(code: int | None, effect: str | None) -> None:
    assert effect_for(code) == effect
