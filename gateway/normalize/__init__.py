"""Normalising what debtors type to the chat assistant: amounts, dates, identity facts.

Everything here is pure: no I/O and no clock (the caller passes the debtor's local today).
"""

from gateway.normalize.amounts import format_amount, parse_amount
from gateway.normalize.dates import format_date, local_today, parse_date
from gateway.normalize.identity import parse_date_of_birth, parse_zip
from gateway.normalize.payment import (
    FieldError,
    NormalizedPayment,
    NormalizedPaymentDict,
    normalize_payment,
)

__all__ = [
    "FieldError",
    "NormalizedPayment",
    "NormalizedPaymentDict",
    "format_amount",
    "format_date",
    "local_today",
    "normalize_payment",
    "parse_amount",
    "parse_date",
    "parse_date_of_birth",
    "parse_zip",
]
