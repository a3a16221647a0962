"""What the assistant captured, turned into the normalised data an account update stores.

Raw text from the debtor ("fifty bucks", "next friday") becomes amounts and calendar dates in
the debtor's time zone, relative to when they wrote; bad values are refused with a code the
dialogue can react to, so the bot re-asks instead of recording nonsense.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from gateway.errors import ValidationFailed
from gateway.normalize import (
    FieldError,
    NormalizedPayment,
    format_amount,
    normalize_payment,
    parse_amount,
    parse_date,
)

# Kinds that concern the debt itself: only for a verified right party (12 CFR 1006.6(d)).
NEEDS_IDENTITY = frozenset(
    {"promise_to_pay", "payment_plan_request", "dispute", "hardship", "already_paid"}
)
FREQUENCIES = frozenset({"weekly", "biweekly", "semimonthly", "monthly"})
# Parts of the day a debtor may ask to be called back in (local time, inside quiet hours).
CALLBACK_WINDOWS = {"morning": "08:00-12:00", "afternoon": "12:00-17:00", "evening": "17:00-21:00"}
OPT_OUT_CHANNELS = frozenset({"sms", "voice", "email"})
HARDSHIP_TYPES = frozenset(
    {"job_loss", "medical", "divorce", "death_in_family", "disability", "natural_disaster", "other"}
)


@dataclass(frozen=True, slots=True)
class Terms:
    """What normalisation needs to know about the account and the moment."""

    today: date
    balance: Decimal
    currency: str
    horizon_days: int

    def payment(self, amount: str | None, when: str | None) -> NormalizedPayment:
        """An amount and a date as the debtor wrote them, read and checked against these terms."""
        return normalize_payment(
            amount,
            when,
            today=self.today,
            balance=self.balance,
            currency=self.currency,
            horizon_days=self.horizon_days,
        )


def normalise(kind: str, raw: dict[str, str | None], terms: Terms) -> dict[str, Any]:
    """The update's data for ``kind``; raises ValidationFailed (code ``invalid_update``)."""
    if kind == "promise_to_pay":
        return _payment(raw, terms, amount_key="amount", date_key="date", required=True)
    if kind == "payment_plan_request":
        data = _payment(raw, terms, amount_key="amount", date_key="start_date", required=False)
        frequency = (raw.get("frequency") or "").strip().lower() or None
        data["frequency"] = frequency if frequency in FREQUENCIES else None
        if frequency and frequency not in FREQUENCIES:
            data["frequency_text"] = frequency
        return data
    if kind == "dispute":
        return {"reason": _text(raw, "reason") or "not given"}
    if kind == "hardship":
        hardship = (raw.get("hardship_type") or "").strip().lower().replace(" ", "_")
        return {
            "hardship_type": hardship if hardship in HARDSHIP_TYPES else "other",
            "hardship_text": _text(raw, "hardship_type"),
            "detail": _text(raw, "detail"),
        }
    if kind == "already_paid":
        # A payment made earlier: any parsable amount and date count, past dates included.
        amount_text, date_text = raw.get("amount"), raw.get("date")
        amount = parse_amount(amount_text) if amount_text else None
        paid_on = parse_date(date_text, terms.today) if date_text else None
        return {
            "amount": str(amount) if amount is not None else None,
            "currency": terms.currency,
            "date": paid_on.isoformat() if paid_on else None,
            "raw": _raw(raw, "amount", "date"),
            "detail": _text(raw, "detail"),
        }
    if kind == "callback_request":
        return _callback(raw, terms)
    if kind == "handoff":
        return {"reason": _text(raw, "reason") or "requested"}
    if kind in {"cease_request", "attorney_represented"}:
        return {"detail": _text(raw, "detail")}
    if kind == "opt_out" and raw.get("channel") in OPT_OUT_CHANNELS:
        # Heard in a recording ("stop texting me"): which medium the consumer gave up.
        return {"channel": raw["channel"]}
    if kind == "agent_note":
        text = _text(raw, "text")
        if text is None:
            details = [{"field": "text", "message": "the note's text is required"}]
            raise ValidationFailed(details[0]["message"], details=details, code="invalid_update")
        return {"text": text}
    return {}  # wrong_party and opt_out carry no values: the conversation says it all


def _payment(
    raw: dict[str, str | None],
    terms: Terms,
    *,
    amount_key: str,
    date_key: str,
    required: bool,
) -> dict[str, Any]:
    amount_text, date_text = raw.get(amount_key), raw.get(date_key)
    errors: list[FieldError] = []
    if required:
        errors += [
            FieldError(key, f"{key}_missing", f"Missing {key}: please say how much and when.")
            for key, value in ((amount_key, amount_text), (date_key, date_text))
            if not value
        ]
    result = terms.payment(amount_text, date_text)
    errors += result.errors
    if errors:
        details = [
            error.to_dict() | {"field": date_key if error.field == "date" else error.field}
            for error in errors
        ]
        raise ValidationFailed(details[0]["message"], details=details, code="invalid_update")
    return {
        "amount": str(result.amount) if result.amount is not None else None,
        "currency": terms.currency,
        "amount_display": format_amount(result.amount, terms.currency) if result.amount else None,
        date_key: result.date.isoformat() if result.date else None,
        "raw": _raw(raw, amount_key, date_key),
    }


def _callback(raw: dict[str, str | None], terms: Terms) -> dict[str, Any]:
    when = _text(raw, "when")
    on = parse_date(when, terms.today) if when else None
    data: dict[str, Any] = {"when": when, "date": on.isoformat() if on else None}
    window = _text(raw, "window")
    if window is None:
        return data
    if window not in CALLBACK_WINDOWS:
        details = [{"field": "window", "message": f"one of {', '.join(CALLBACK_WINDOWS)}"}]
        raise ValidationFailed(details[0]["message"], details=details, code="invalid_update")
    if on is None or on < terms.today:
        details = [{"field": "when", "message": "a day from today on"}]
        raise ValidationFailed(details[0]["message"], details=details, code="invalid_update")
    return data | {
        "window": window,
        "hours": CALLBACK_WINDOWS[window],
        "timezone": raw.get("timezone"),
    }


def _text(raw: dict[str, str | None], key: str) -> str | None:
    value = raw.get(key)
    return value.strip()[:1000] if value and value.strip() else None


def _raw(raw: dict[str, str | None], *keys: str) -> dict[str, str | None]:
    return {key: raw.get(key) for key in keys}
