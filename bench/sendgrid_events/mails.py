"""The setup: debtors registered through the API, and the emails Parley sent them, as rows.

The accounts are the portfolio of the other benchmarks (``PUT /v1/accounts/{ref}``, each with an
email contact point). The sent emails are written straight into the database as the send path
leaves them once SendGrid accepted them: an outreach (status ``sent``), its message (``sent``,
provider ``sendgrid``, the ``X-Message-Id`` as provider id) and the contact-history row the send
recorded. Sending them through a worker would need the policy to allow email at the wall clock's
hour in every debtor's zone; the webhook only reads and moves these rows.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import select

from bench.twilio_inbound import register
from gateway.db.engine import create_engine
from gateway.db.tables import accounts, contact_events, contact_points, messages, outreach
from gateway.ids import new_id

CHUNK = 1000  # rows per INSERT
SUBJECT = "Your account with Northwind Card Services"
BODY = "This is a reminder about your account. This communication is from a debt collector."


@dataclass(frozen=True, slots=True)
class Mail:
    """One email Parley sent: its id, SendGrid's id, the recipient and when it went."""

    message_id: str
    x_message_id: str
    email: str
    sent_at: datetime


async def register_accounts(
    session: aiohttp.ClientSession, gateway_url: str, count: int, rng: random.Random
) -> None:
    """``count`` debtors of the portfolio, through the gateway's API."""
    await register(session, gateway_url, count, rng)


async def insert_sent(database_url: str, count: int, first: datetime, spacing: float) -> list[Mail]:
    """``count`` sent emails over the registered accounts in turn, the first sent at ``first``
    and one every ``spacing`` seconds after it."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            query = (
                select(accounts.c.id, contact_points.c.address)
                .join(contact_points, contact_points.c.account_id == accounts.c.id)
                .where(contact_points.c.channel == "email")
                .order_by(accounts.c.id)
            )
            recipients = [(row.id, row.address) for row in await conn.execute(query)]
            mails: list[Mail] = []
            for start in range(0, count, CHUNK):
                rows = [
                    _rows(j, recipients, first, spacing)
                    for j in range(start, min(count, start + CHUNK))
                ]
                await conn.execute(outreach.insert(), [r[0] for r in rows])
                await conn.execute(messages.insert(), [r[1] for r in rows])
                await conn.execute(contact_events.insert(), [r[2] for r in rows])
                mails += [r[3] for r in rows]
            return mails
    finally:
        await engine.dispose()


def _rows(
    j: int, recipients: list[tuple[int, str]], first: datetime, spacing: float
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], Mail]:
    account_id, address = recipients[j % len(recipients)]
    at = first + timedelta(seconds=j * spacing)
    mail = Mail(new_id("msg"), secrets.token_urlsafe(16), address, at)
    outreach_id = new_id("out")
    key = f"bench-email-{j}"
    common = {"account_id": account_id, "channel": "email", "address": address}
    outreach_row = common | {
        "id": outreach_id,
        "idempotency_key": key,
        "request_hash": hashlib.sha256(key.encode()).hexdigest(),
        "resolved_channel": "email",
        "template": "payment_reminder",
        "variables": {},
        "purpose": "collection",
        "status": "sent",
        "decision": {"outcome": "allow", "reasons": []},
        "response": {"id": outreach_id, "status": "queued"},
        "created_at": at,
        "updated_at": at,
    }
    message_row = common | {
        "id": mail.message_id,
        "outreach_id": outreach_id,
        "direction": "outbound",
        "subject": SUBJECT,
        "body": BODY,
        "provider": "sendgrid",
        "provider_id": mail.x_message_id,
        "purpose": "collection",
        "status": "sent",
        "created_at": at,
        "updated_at": at,
    }
    history_row = common | {
        "direction": "outbound",
        "at": at,
        "outcome": "sent",
        "source": "parley",
        "message_id": mail.message_id,
    }
    return outreach_row, message_row, history_row, mail
