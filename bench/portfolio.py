"""A debt portfolio that looks real: accounts spread over US zones, and their contact history.

``bench.intake`` and ``bench.twilio_inbound`` register these accounts over HTTP; the history
generator also feeds ``bench.policy_engine``, so both measure decisions on the same kind of facts.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

# Where debtors live, roughly by US population, with a postal code and a phone area code of
# that zone: quiet hours differ per zone, so depending on the wall clock some requests are
# queued and others deferred. No declared zone: the postal code and phone still locate them.
ZONES: list[tuple[str | None, str, str, int]] = [
    ("America/New_York", "10001", "212", 40),
    ("America/Chicago", "60601", "312", 25),
    ("America/Denver", "80202", "303", 6),
    ("America/Phoenix", "85001", "602", 3),
    ("America/Los_Angeles", "90012", "213", 20),
    ("America/Anchorage", "99501", "907", 2),
    ("Pacific/Honolulu", "96813", "808", 2),
    (None, "60601", "312", 2),
]
# About 8% kept a phone number from another zone: their signals disagree, and a contact must
# then be convenient in every indicated zone.
MOVED = 0.08


def account_document(i: int, rng: random.Random) -> dict[str, Any]:
    """A PUT /v1/accounts body (shape of tests/helpers.account_body) with varied facts."""
    zone, postal, area, _ = rng.choices(ZONES, weights=[w for *_, w in ZONES])[0]
    if rng.random() < MOVED:
        area = rng.choice([a for _, _, a, _ in ZONES])
    debtor: dict[str, Any] = {"name": f"Debtor {i:05d} Example", "postal_code": postal}
    if zone:
        debtor["timezone"] = zone
    roll = rng.random()
    flags = {
        "disputed": 0.00 <= roll < 0.02,
        "do_not_contact": 0.02 <= roll < 0.03,
        "cease_communication": 0.03 <= roll < 0.04,
        "attorney_represented": False,
    }
    document: dict[str, Any] = {
        "creditor": rng.choice(["Acme Bank", "Northwind Card Services", "Contoso Auto Finance"]),
        "collector_type": "third_party",
        "balance": {"amount": f"{rng.randint(50, 9000)}.{rng.randint(0, 99):02d}"},
        "debtor": debtor,
        "contacts": [
            # about 3% never gave SMS consent: those requests are blocked (consent_missing)
            {
                "channel": "sms",
                "address": f"+1{area}{200 + i % 700:03d}{i % 10_000:04d}",
                "consent": rng.random() >= 0.03,
            },
            {"channel": "email", "address": f"debtor{i}@example.com", "consent": True},
        ],
        "flags": flags,
    }
    # The same number for calls, with the same consent (no extra draw from rng, so the rest of
    # the portfolio is what it was without it): the voice rules then have a number to judge.
    sms = document["contacts"][0]
    document["contacts"].append(
        {"channel": "voice", "address": sms["address"], "consent": sms["consent"]}
    )
    return document


def history_rows(
    rng: random.Random, end: datetime, voice_heavy: bool = False
) -> list[dict[str, Any]]:
    """About 40 contact events over the 30 days before `end`, as a database would return."""
    rows: list[dict[str, Any]] = []
    weights = (1, 1, 8) if voice_heavy else (4, 3, 3)
    for _ in range(rng.randint(36, 44)):
        channel = rng.choices(("sms", "email", "voice"), weights=weights)[0]
        direction = "inbound" if rng.random() < 0.2 else "outbound"
        if channel == "voice":
            outcome = rng.choices(
                ("no_answer", "voicemail", "conversation", "busy", "failed"),
                weights=(5, 3, 1, 1, 1),
            )[0]
            if direction == "inbound":
                outcome = "conversation"
        else:
            outcome = rng.choice(("sent", "delivered", "delivered", "undelivered", "failed"))
            if direction == "inbound":
                outcome = "delivered"
        at = end - timedelta(seconds=rng.randint(0, 30 * 86400))
        rows.append({"channel": channel, "direction": direction, "at": at, "outcome": outcome})
    rows.sort(key=lambda r: r["at"])
    return rows


def history_document(ref: str, i: int, rng: random.Random, now: datetime) -> dict[str, Any]:
    """A POST /v1/accounts/{ref}/contact-events body: 36-44 events over the last 30 days.

    SMS, email and voice both ways, voicemails, no answers, conversations and delivery
    outcomes (``history_rows``); one account in eight mostly gets calls.
    """
    rows = history_rows(rng, now, voice_heavy=i % 8 == 3)
    return {
        "events": [
            r | {"at": r["at"].isoformat(), "external_id": f"{ref}-{k}"} for k, r in enumerate(rows)
        ]
    }
