"""Amounts and dates heard on a call, checked and read back the way the assistant does it."""

from __future__ import annotations

from typing import Any

from gateway.config import Settings
from gateway.conversations.verification import terms_for
from gateway.errors import ValidationFailed
from gateway.ivr import prompts
from gateway.normalize import NormalizedPayment, format_amount, format_date


def problem_with(
    conversation: Any, settings: Settings, *, amount: str | None = None, when: str | None = None
) -> str | None:
    """The sentence saying what is wrong with an amount or a date, or None if acceptable."""
    if amount is None and when is None:
        return prompts.NOT_UNDERSTOOD
    result = _normalized(conversation, settings, amount, when)
    return result.errors[0].message if result.errors else None


def readback(conversation: Any, settings: Settings, data: dict[str, Any]) -> tuple[str, str]:
    """The promise's amount and date as the caller hears them."""
    result = _normalized(conversation, settings, data.get("amount"), data.get("date"))
    if result.amount is None or result.date is None:
        raise ValidationFailed("the promise on this call is incomplete", code="ivr_state")
    terms = terms_for(conversation, settings)
    return format_amount(result.amount, terms.currency), format_date(result.date, terms.today)


def _normalized(
    conversation: Any, settings: Settings, amount: str | None, when: str | None
) -> NormalizedPayment:
    return terms_for(conversation, settings).payment(amount, when)
