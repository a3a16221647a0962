"""Reading the conversation: which debtor message a request came from, and turn bookkeeping.

A request made before verification ("I can pay 50 on Friday") is held in the ``held_request``
slot and answered in the turn where verification succeeds; everywhere else the request is simply
the latest message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet

PROVIDE_IDENTITY = "provide_identity"
# Never an answer to a form's question, whatever they contain: the form rejects the turn and
# the intent's own rule runs (and ends the form).
INTERRUPTS = frozenset({"opt_out", "wrong_person", "request_agent"})
# Words that make a reply look like an amount or a date even when NLU took it for another intent
# (asked "how much?", "a thousand dollars" can come back as report_hardship).
VALUE_WORDS = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|dollars?|bucks|"
    r"today|tomorrow|week|weekly|month|monthly|mon|tue|wed|thu|fri|sat|sun|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|"
    r"dec|january|february|march|april|june|july|august|september|october|november|december)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Request:
    """A debtor message reduced to what the actions use: intent, text and entity values."""

    intent: str | None
    text: str
    entities: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> Request:
        """From a tracker's ``latest_message`` (parse data)."""
        entities = [
            {"entity": str(item["entity"]), "value": str(item["value"])}
            for item in message.get("entities") or []
            if item.get("entity") and item.get("value") is not None
        ]
        intent = (message.get("intent") or {}).get("name")
        return cls(intent=intent, text=str(message.get("text") or ""), entities=entities)

    def entity(self, name: str) -> str | None:
        """The first value of entity ``name``, or None."""
        return next((item["value"] for item in self.entities if item["entity"] == name), None)

    def as_slot(self) -> dict[str, Any]:
        """The JSON-able form kept in the ``held_request`` slot."""
        return {"intent": self.intent, "text": self.text, "entities": self.entities}


def latest(tracker: Tracker) -> Request:
    """The debtor's latest message."""
    return Request.from_message(tracker.latest_message)


def current_request(tracker: Tracker) -> Request:
    """The message the request being handled came from.

    In the turn where the debtor verified (their latest message is the date of birth or ZIP) a
    held request is the one to answer; otherwise the request is the latest message.
    """
    message = latest(tracker)
    held = tracker.get_slot("held_request")
    if message.intent == PROVIDE_IDENTITY and isinstance(held, dict):
        return Request(
            intent=held.get("intent"),
            text=str(held.get("text") or ""),
            entities=list(held.get("entities") or []),
        )
    return message


def looks_like_value(text: str) -> bool:
    """Whether a reply mentions a number, an amount word, a day or a month."""
    return bool(VALUE_WORDS.search(text))


def dedupe_key(tracker: Tracker, kind: str) -> str:
    """Idempotency key for an update: the same turn never records the same kind twice.

    The gateway may pass its own inbound message id as ``metadata.message_id``; that one also
    survives the gateway re-sending a turn to Rasa, so it is preferred over Rasa's own id.
    """
    message = tracker.latest_message
    metadata = message.get("metadata") or {}
    message_id = metadata.get("message_id") or message.get("message_id")
    return f"{tracker.sender_id}:{kind}:{message_id}"


def action_before_latest_message(tracker: Tracker) -> str | None:
    """The last action the bot ran before the debtor's latest message (not counting listening)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "action":
            name = event.get("name")
            if name != "action_listen":
                return str(name)
    return None


def previous_turn_was_fallback(tracker: Tracker) -> bool:
    """Whether the debtor's previous message was also answered by the fallback action."""
    users_seen = 0
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "session_started":
            return False
        if kind == "user":
            users_seen += 1
            if users_seen == 2:
                return False
        elif (
            users_seen == 1 and kind == "action" and event.get("name") == "action_default_fallback"
        ):
            return True
    return False


def stop_active_form(tracker: Tracker) -> list[EventType]:
    """Events that end the active form, if any (the debtor moved on to something else)."""
    if tracker.active_loop_name:
        return [ActiveLoop(None), SlotSet("requested_slot", None)]
    return []
