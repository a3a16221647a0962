"""What a verified debtor sees of their account: whom they owe and how much, the validation
information (12 CFR 1006.34(c)), recent messages on every channel and what is already recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.config import Settings
from gateway.db.tables import account_updates, accounts, messages
from gateway.normalize import format_amount
from gateway.outreach.rulesets import ruleset_for
from gateway.portal.chat_history import visible_to_debtor
from gateway.records.account_view import account_view
from gateway.records.validation import period_end

RECENT_MESSAGES = 20
RECENT_UPDATES = 20
_UPDATE_LABELS = {
    "promise_to_pay": "Promise to pay",
    "payment_plan_request": "Payment plan request",
    "dispute": "Dispute",
    "hardship": "Hardship",
    "already_paid": "Payment already made",
    "callback_request": "Call back request",
    "opt_out": "Stop messages",
    "cease_request": "Stop contact",
    "wrong_party": "Wrong person",
    "handoff": "Passed to a person",
}
_ITEMIZATION_LINES = (
    ("amount", "Amount on the itemization date"),
    ("interest", "Interest since then"),
    ("fees", "Fees since then"),
    ("payments", "Payments since then"),
    ("credits", "Credits since then"),
)
_CHANNEL_LABELS = {"sms": "Text", "email": "Email", "voice": "Call", "chat": "Chat"}


@dataclass(frozen=True, slots=True)
class Line:
    """One row of a table on the page."""

    label: str
    value: str


async def account_page(
    conn: AsyncConnection, account_id: int, settings: Settings, now: datetime
) -> dict[str, Any]:
    """Everything the account page shows, ready for its template."""
    row = (await conn.execute(select(accounts).where(accounts.c.id == account_id))).one()
    view = await account_view(conn, row.account_ref, now=now, ruleset_override=settings.ruleset)
    currency = row.currency
    return {
        "debtor_name": row.debtor_name,
        "account_ref": row.account_ref,
        "creditor": row.creditor,
        "collector": settings.collector,
        "balance": _money(row.balance_amount, currency),
        "validation": _validation(row, view, settings, now),
        "holds": view["holds"],
        "messages": await _recent_messages(conn, account_id),
        "updates": await _recent_updates(conn, account_id),
        "pay_url": pay_url(settings, row.account_ref),
    }


def pay_url(settings: Settings, account_ref: str) -> str | None:
    """The core system's payment page for the account; None when none is configured."""
    if settings.payment_url is None:
        return None
    return settings.payment_url.replace("{account_ref}", quote(account_ref, safe=""))


def _money(amount: str | None, currency: str) -> str:
    return format_amount(Decimal(amount), currency) if amount is not None else "not stated"


def _validation(
    row: Any, view: dict[str, Any], settings: Settings, now: datetime
) -> dict[str, Any]:
    """The validation information from the account's data, and the dispute deadline."""
    itemization = row.itemization or {}
    lines = [
        Line(label, _money(itemization.get(key), row.currency))
        for key, label in _ITEMIZATION_LINES
        if itemization.get(key) is not None
    ]
    provided = row.validation_provided_at
    # Until validation information is provided the period has not started: the debtor keeps
    # every right, so the page names the end a notice given today would have.
    deadline = period_end(row, provided or now)
    ruleset = ruleset_for(row.collector_type, settings.ruleset)
    return {
        "required": ruleset.validation_notice.enabled,
        "itemization_date": itemization.get("itemization_date"),
        "lines": lines,
        "current": _money(row.balance_amount, row.currency),
        "deadline": f"{deadline:%B} {deadline.day}, {deadline.year}",
        "provided": provided is not None,
        "status": view["validation"]["status"],
    }


async def _recent_messages(conn: AsyncConnection, account_id: int) -> list[dict[str, Any]]:
    query = (
        select(
            messages.c.channel,
            messages.c.direction,
            messages.c.subject,
            messages.c.body,
            messages.c.agent_id,
            messages.c.created_at,
        )
        .where(
            messages.c.account_id == account_id,
            visible_to_debtor(),
        )
        .order_by(messages.c.created_at.desc(), messages.c.id.desc())
        .limit(RECENT_MESSAGES)
    )
    return [
        {
            "channel": _CHANNEL_LABELS.get(m.channel, m.channel),
            "from_you": m.direction == "inbound",
            "subject": m.subject,
            "body": m.body,
            "at": m.created_at,
        }
        for m in await conn.execute(query)
    ]


async def _recent_updates(conn: AsyncConnection, account_id: int) -> list[dict[str, Any]]:
    query = (
        select(account_updates.c.kind, account_updates.c.data, account_updates.c.created_at)
        .where(
            account_updates.c.account_id == account_id,
            account_updates.c.kind.in_(list(_UPDATE_LABELS)),
        )
        .order_by(account_updates.c.id.desc())
        .limit(RECENT_UPDATES)
    )
    return [
        {"label": _UPDATE_LABELS[u.kind], "summary": summary(u.kind, u.data), "at": u.created_at}
        for u in await conn.execute(query)
    ]


def summary(kind: str, data: dict[str, Any]) -> str:
    """One plain line about an update, for the debtor."""
    amount = data.get("amount_display") or (
        format_amount(Decimal(data["amount"]), data.get("currency") or "USD")
        if data.get("amount")
        else None
    )
    if kind == "promise_to_pay":
        return f"{amount} on {data.get('date')}"
    if kind == "payment_plan_request":
        every = data.get("frequency") or "regularly"
        start = data.get("start_date")
        return f"{amount or 'An amount to agree'} {every}" + (f", from {start}" if start else "")
    if kind == "already_paid":
        return " on ".join(part for part in (amount, data.get("date")) if part) or "Noted"
    if kind == "dispute":
        return str(data.get("reason") or "")
    if kind == "hardship":
        return str(data.get("hardship_type") or "").replace("_", " ").capitalize()
    if kind == "callback_request":
        return str(data.get("when") or data.get("date") or "")
    return ""
