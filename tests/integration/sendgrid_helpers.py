"""What the SendGrid tests share: daytime on the clock, an account, email outreach, rows."""

from __future__ import annotations

from typing import Any

from helpers import EMAIL, PHONE, account_body, outreach_body, select_rows
from sqlalchemy import select

from gateway.config import Settings
from gateway.db.tables import consent_events, contact_points


def email_account_body(address: str = EMAIL) -> dict[str, Any]:
    """An account whose email address the consumer gave (12 CFR 1006.6(d)(4)'s safe harbor)."""
    return account_body(
        contacts=[
            {"channel": "sms", "address": PHONE, "consent": True},
            {
                "channel": "email",
                "address": address,
                "consent": True,
                "provenance": "consumer_provided",
            },
        ]
    )


async def new_account(client: Any, ref: str = "A-1", address: str = EMAIL) -> None:
    """PUT the account ``ref`` with ``email_account_body``."""
    response = await client.put(f"/v1/accounts/{ref}", json=email_account_body(address))
    assert response.status in (200, 201), await response.text()


async def accept_email(client: Any, key: str = "e1", **overrides: Any) -> dict[str, Any]:
    """POST an email outreach; its answer."""
    response = await client.post(
        "/v1/outreach",
        json=outreach_body(channel="email", **overrides),
        headers={"Idempotency-Key": key},
    )
    assert response.status == 202, await response.text()
    return dict(await response.json())


async def rules_of_next_email(client: Any, key: str) -> list[str]:
    """The rules that decided a new email outreach."""
    answer = await accept_email(client, key)
    return [r["rule"] for r in answer["decision"]["reasons"]]


async def email_point(settings: Settings, address: str = EMAIL) -> Any:
    """The account's email contact point."""
    (point,) = await select_rows(
        settings.database_url,
        select(contact_points).where(
            contact_points.c.channel == "email", contact_points.c.address == address
        ),
    )
    return point


async def rows(settings: Settings, query: Any) -> list[Any]:
    """Rows of ``query`` on the test's database."""
    return await select_rows(settings.database_url, query)


async def revocations(settings: Settings) -> list[Any]:
    """Every consent revocation in the ledger."""
    return await rows(settings, select(consent_events).where(consent_events.c.action == "revoked"))
