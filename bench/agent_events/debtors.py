"""The debtors of the run: their numbers, accounts and texts, and keeping them out of what is
shown (progress, failures) or logged."""

from __future__ import annotations

import re
from collections.abc import Sequence

# What debtors write: none is a keyword, so every one goes to the agent holding the conversation.
TEXTS = (
    "can I pay next week instead",
    "how much do I still owe on this",
    "I lost my job last month",
    "please call me tomorrow afternoon",
    "is the settlement offer still open",
)
SETUP_TEXT = "I have a question about my balance"
NUMBER_LIKE = re.compile(r"\+?\d[\d ()-]{7,}\d")


def phone(i: int) -> str:
    """The SMS number of the ``i``-th debtor (Chicago, 555 exchange)."""
    return f"+1312555{2000 + i:04d}"


def account_document(i: int) -> dict[str, object]:
    """A PUT /v1/accounts body (the shape of tests/helpers.account_body) for debtor ``i``.

    Not ``bench.portfolio``'s, whose random facts (no consent, disputes, do-not-contact) would
    change what routing does: here every debtor is alike and texts from ``phone(i)``.
    """
    return {
        "creditor": "Acme Bank",
        "collector_type": "third_party",
        "balance": {"amount": "432.10", "currency": "USD"},
        "debtor": {
            "name": f"Debtor {i:04d} Example",
            "timezone": "America/Chicago",
            "postal_code": "60601",
        },
        "contacts": [
            {"channel": "sms", "address": phone(i), "consent": True},
            {"channel": "email", "address": f"debtor{i}@example.com", "consent": True},
        ],
    }


def debtor_data(numbers: Sequence[str]) -> list[str]:
    """What no log line may hold: the debtors' numbers (with and without +1) and their texts."""
    return [*numbers, *(n.removeprefix("+1") for n in numbers), *TEXTS, SETUP_TEXT]


def redact(text: str) -> str:
    """Phone-number-like digit runs and the texts replaced, for log lines shown on a failure."""
    for body in (*TEXTS, SETUP_TEXT):
        text = text.replace(body, "<text>")
    return NUMBER_LIKE.sub("<number>", text)
