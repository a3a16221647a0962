"""Event Webhook payloads: SendGrid-shaped events about a sent mail, and batches of them.

Taken from SendGrid's Event Webhook reference: every event has ``email``, ``timestamp`` (unix
seconds), ``event``, ``sg_event_id`` and ``sg_message_id`` (the ``X-Message-Id``, a dot, then the
name of the filter that handled it); delivery events add ``smtp-id`` (the mail's Message-ID);
``category`` is the mail's categories; the mail's ``custom_args`` ("unique arguments") appear as
top-level keys. The kind-specific fields keep SendGrid's names (``response``, ``attempt`` as a
string, ``tls`` as 0/1, ``bounce_classification``, ``sg_machine_open``, ``asm_group_id``...).
A batch is a compact JSON array; SendGrid may repeat an event and does not keep order.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any

from .formats import new_id
from .mail import SentMail

EVENT_KINDS = frozenset(
    {
        "processed",
        "deferred",
        "delivered",
        "bounce",
        "dropped",
        "open",
        "click",
        "unsubscribe",
        "group_unsubscribe",
        "spamreport",
        "group_resubscribe",
    }
)
# Events about the SMTP transaction carry the mail's Message-ID as "smtp-id".
_SMTP_EVENTS = frozenset({"processed", "deferred", "delivered", "bounce", "dropped"})
# The recipient's mail client, for engagement events.
_USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
_RECIPIENT_IP = "203.0.113.24"
_SENDGRID_IP = "149.72.154.232"
_BOUNCES: dict[str, dict[str, object]] = {
    "bounce": {
        "status": "5.1.1",
        "reason": "550 5.1.1 The email account that you tried to reach does not exist.",
        "bounce_classification": "Invalid Address",
    },
    "blocked": {
        "status": "5.7.1",
        "reason": "550 5.7.1 Message rejected due to local policy.",
        "bounce_classification": "Reputation",
    },
}


def build_event(
    mail: SentMail, kind: str, at: int | None, fields: dict[str, Any]
) -> dict[str, Any]:
    """The event ``kind`` about ``mail`` at unix time ``at`` (default now); ``fields`` override.

    The recipient is the mail's first ``to`` unless ``fields`` gives ``email``.
    """
    if kind not in EVENT_KINDS:
        raise ValueError(f"SendGrid sends no {kind!r} event")
    timestamp = int(time.time()) if at is None else at
    event: dict[str, Any] = {
        **mail.custom_args,
        "email": mail.to[0],
        "timestamp": timestamp,
        "event": kind,
        "sg_event_id": new_id(),
        "sg_message_id": f"{mail.x_message_id}.filterdrecv-5645d9c87f-6r2ch-1-{timestamp:08X}-2C.0",
    }
    if kind in _SMTP_EVENTS:
        event["smtp-id"] = mail.message_id
    if mail.categories:
        event["category"] = list(mail.categories)
    event |= _kind_fields(kind, str(fields.get("type", "bounce")))
    event |= fields
    return event


def _kind_fields(kind: str, bounce_type: str) -> dict[str, object]:
    """SendGrid's fields for ``kind``, with realistic values."""
    engagement = {"useragent": _USER_AGENT, "ip": _RECIPIENT_IP}
    match kind:
        case "delivered":
            return {"response": "250 OK", "ip": _SENDGRID_IP, "tls": 1}
        case "deferred":
            return {"response": "421 4.7.0 Try again later", "attempt": "1", "ip": _SENDGRID_IP}
        case "bounce":
            details = _BOUNCES.get(bounce_type, _BOUNCES["bounce"])
            return {"type": bounce_type, **details, "ip": _SENDGRID_IP, "tls": 1}
        case "dropped":
            return {"reason": "Bounced Address"}
        case "open":
            return {**engagement, "sg_machine_open": False}
        case "click":
            url_offset = {"index": 0, "type": "html"}
            return {**engagement, "url": "https://parley.example.com/", "url_offset": url_offset}
        case "group_unsubscribe" | "group_resubscribe":
            return {**engagement, "asm_group_id": 1}
        case _:
            return {}


def batch_body(events: list[dict[str, Any]]) -> bytes:
    """A batch as SendGrid posts it: one compact JSON array."""
    return json.dumps(events, separators=(",", ":")).encode()


def redelivered(
    events: list[dict[str, Any]], duplicates: int, shuffle: bool, seed: int | None
) -> list[dict[str, Any]]:
    """``events`` as SendGrid may deliver them: each ``duplicates`` extra times, maybe reordered.

    A shuffle always changes the order when it can, so a test of ordering cannot pass by luck.
    """
    batch = [event for event in events for _ in range(1 + duplicates)]
    if shuffle:
        original = list(batch)
        random.Random(seed).shuffle(batch)
        if batch == original and len({json.dumps(e, sort_keys=True) for e in batch}) > 1:
            batch = batch[1:] + batch[:1]
    return batch
