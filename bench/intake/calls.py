"""The benchmark's HTTP requests, prepared and encoded before the clock starts."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bench.portfolio import account_document, history_document

EVALUATE_CHANNELS = ("sms", "email", "voice")


@dataclass(frozen=True, slots=True)
class Call:
    """One prepared HTTP request: path, extra headers, encoded body, and how many items."""

    path: str
    headers: dict[str, str]
    body: bytes
    items: int


def outreach_item(ref: str) -> dict[str, Any]:
    """The body of one outreach request (and of one batch item, with its key added)."""
    return {
        "account_ref": ref,
        "channel": "sms",
        "template": "payment_reminder",
        "purpose": "collection",
    }


def account_calls(refs: Sequence[str], rng: random.Random) -> list[Call]:
    """One PUT /v1/accounts/{ref} per account of the portfolio."""
    return [
        Call(f"/v1/accounts/{ref}", {}, json.dumps(account_document(i, rng)).encode(), 1)
        for i, ref in enumerate(refs)
    ]


def history_calls(refs: Sequence[str], rng: random.Random, now: datetime) -> list[Call]:
    """One contact-history import per account (~40 events over the 30 days before ``now``)."""
    calls = []
    for i, ref in enumerate(refs):
        document = history_document(ref, i, rng, now)
        calls.append(
            Call(
                f"/v1/accounts/{ref}/contact-events",
                {},
                json.dumps(document).encode(),
                len(document["events"]),
            )
        )
    return calls


def single_calls(prefix: str, refs: Sequence[str], n: int, rng: random.Random) -> list[Call]:
    """``n`` POST /v1/outreach, each with its own Idempotency-Key."""
    return [
        Call(
            "/v1/outreach",
            {"Idempotency-Key": f"{prefix}-{i}"},
            json.dumps(outreach_item(rng.choice(refs))).encode(),
            1,
        )
        for i in range(n)
    ]


def evaluate_calls(refs: Sequence[str], n: int, rng: random.Random) -> list[Call]:
    """``n`` POST /v1/policy/evaluate on random accounts and channels."""
    return [
        Call(
            "/v1/policy/evaluate",
            {},
            json.dumps(
                {
                    "account_ref": rng.choice(refs),
                    "channel": rng.choice(EVALUATE_CHANNELS),
                    "purpose": "collection",
                }
            ).encode(),
            1,
        )
        for _ in range(n)
    ]


def batch_calls(
    prefix: str, refs: Sequence[str], items: int, size: int, rng: random.Random
) -> list[Call]:
    """``items`` outreach items in POST /v1/outreach/batch requests of ``size`` items."""
    calls = []
    for start in range(0, items, size):
        chunk = [
            {"idempotency_key": f"{prefix}-{j}", **outreach_item(rng.choice(refs))}
            for j in range(start, min(start + size, items))
        ]
        calls.append(
            Call("/v1/outreach/batch", {}, json.dumps({"items": chunk}).encode(), len(chunk))
        )
    return calls
