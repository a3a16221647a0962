"""Checking a promised payment (an amount, a date, or both) before the assistant accepts it.

Each problem comes back as a code for the bot's logic and a sentence the assistant can say,
ending in the question that gets a usable answer.
"""

from __future__ import annotations

# As a module: in NormalizedPayment the field `date` would shadow the class.
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TypedDict

from gateway.normalize.amounts import format_amount, parse_amount
from gateway.normalize.dates import format_date, parse_date

__all__ = ["FieldError", "NormalizedPayment", "NormalizedPaymentDict", "normalize_payment"]

_ASK_AMOUNT = "How much can you pay?"
_ASK_DATE = "What date can you pay?"


@dataclass(frozen=True, slots=True)
class FieldError:
    """Why one field of a proposed payment was not accepted.

    `field` is "amount" or "date"; `code` is one of amount_unparsed, amount_not_positive,
    amount_above_balance, date_unparsed, date_past and date_beyond_horizon; `message` is a
    sentence the assistant can say to the debtor.
    """

    field: str
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """The error in API form."""
        return {"field": self.field, "code": self.code, "message": self.message}


class NormalizedPaymentDict(TypedDict):
    """A NormalizedPayment in API form: "50.00", "2026-11-27", their display text, errors."""

    amount: str | None
    date: str | None
    amount_display: str | None
    date_display: str | None
    errors: list[dict[str, str]]


@dataclass(frozen=True, slots=True)
class NormalizedPayment:
    """The accepted amount and date (None when not given or not acceptable), and why not."""

    amount: Decimal | None
    date: dt.date | None
    errors: tuple[FieldError, ...]

    def to_dict(self, currency: str, today: dt.date | None = None) -> NormalizedPaymentDict:
        """The result in API form; `today` drops the year from a date in the current year."""
        return {
            "amount": None if self.amount is None else str(self.amount),
            "date": None if self.date is None else self.date.isoformat(),
            "amount_display": None if self.amount is None else format_amount(self.amount, currency),
            "date_display": None if self.date is None else format_date(self.date, today),
            "errors": [error.to_dict() for error in self.errors],
        }


def normalize_payment(
    amount_text: str | None,
    date_text: str | None,
    *,
    today: dt.date,
    balance: Decimal,
    currency: str,
    horizon_days: int,
) -> NormalizedPayment:
    """Parse and check the fields given (not None) of a payment the debtor proposes.

    The amount must be more than zero and at most `balance`; the date must be from the
    debtor's local `today` to `horizon_days` after it, both ends included.
    """
    errors: list[FieldError] = []
    amount = None
    if amount_text is not None:
        amount = parse_amount(amount_text)
        error = _check_amount(amount, balance, currency)
        if error is not None:
            errors.append(error)
            amount = None
    when = None
    if date_text is not None:
        when = parse_date(date_text, today)
        error = _check_date(when, today, today + dt.timedelta(days=horizon_days))
        if error is not None:
            errors.append(error)
            when = None
    return NormalizedPayment(amount=amount, date=when, errors=tuple(errors))


def _check_amount(amount: Decimal | None, balance: Decimal, currency: str) -> FieldError | None:
    if amount is None:
        return FieldError(
            "amount", "amount_unparsed", f"Sorry, I didn't catch an amount there. {_ASK_AMOUNT}"
        )
    if amount <= 0:
        return FieldError(
            "amount", "amount_not_positive", f"The amount needs to be more than zero. {_ASK_AMOUNT}"
        )
    if amount > balance:
        return FieldError(
            "amount",
            "amount_above_balance",
            f"That's more than your balance of {format_amount(balance, currency)}. {_ASK_AMOUNT}",
        )
    return None


def _check_date(when: dt.date | None, today: dt.date, latest: dt.date) -> FieldError | None:
    if when is None:
        return FieldError(
            "date", "date_unparsed", f"Sorry, I didn't catch a date there. {_ASK_DATE}"
        )
    if when < today:
        return FieldError("date", "date_past", f"That date has already passed. {_ASK_DATE}")
    if when > latest:
        return FieldError(
            "date",
            "date_beyond_horizon",
            f"That's further out than I can arrange: the latest date is "
            f"{format_date(latest, today)}. {_ASK_DATE}",
        )
    return None
