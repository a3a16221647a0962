"""How and whether to contact the debtor: callback requests, opt-outs, wrong person.

None of these needs verification. After recording an opt-out or a wrong party the assistant says
nothing: the gateway sends the single confirmation (opt-out) or closing text (wrong party) itself.
"""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from . import texts
from .base import GatewayAction
from .gateway import Gateway
from .turns import Request, dedupe_key, latest, stop_active_form

# Times of day are not NLU entities (see bot/README.md, annotation conventions), so the time
# part of "call me tomorrow after 5pm" is found here and joined to the date entity.
TIME_OF_DAY = re.compile(
    r"\b(?:(?:at|after|before|around|by|from)\s+)?\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)"
    r"|\b(?:at|after|before|around|by)\s+\d{1,2}(?::\d{2})?\b"
    r"|\b(?:(?:this|tomorrow|in\s+the)\s+)?(?:morning|afternoon|evening|tonight|noon|lunchtime)\b"
    r"|\blater(?:\s+today)?\b",
    re.IGNORECASE,
)
CONNECTOR = re.compile(r"\s*(?:on|at|by|around|,)?\s*", re.IGNORECASE)


def callback_time(message: Request) -> str | None:
    """The debtor's words for when to call ("tomorrow at 5", "this afternoon"), if any."""
    text = message.text
    spans: list[tuple[int, int]] = [match.span() for match in TIME_OF_DAY.finditer(text)]
    day = message.entity("date")
    if day:
        start = text.lower().find(day.lower())
        if start >= 0:
            spans.append((start, start + len(day)))
    # In text order, without spans inside another ("tomorrow" in "tomorrow morning"), and
    # neighbours joined with what stands between them ("after 6pm on friday").
    kept = [
        span
        for span in sorted(set(spans))
        if not any(o != span and o[0] <= span[0] and span[1] <= o[1] for o in spans)
    ]
    merged: list[list[int]] = []
    for start, end in kept:
        if merged and CONNECTOR.fullmatch(text[merged[-1][1] : start]):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    words = " ".join(text[start:end] for start, end in merged)
    return words or day


class ActionRecordCallback(GatewayAction):
    """Records ``callback_request`` with the time the debtor gave, and confirms it."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_record_callback"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, gateway: Gateway
    ) -> list[EventType]:
        """Without a time the request is recorded without ``when``."""
        when = callback_time(latest(tracker))
        await gateway.record(
            tracker.sender_id,
            "callback_request",
            {"when": when} if when else {},
            dedupe_key(tracker, "callback_request"),
        )
        dispatcher.utter_message(text=texts.callback(when))
        return []


async def record_silently(tracker: Tracker, gateway: Gateway, kind: str) -> list[EventType]:
    """Records ``kind`` with no data; the events end any open form and drop a held request."""
    await gateway.record(tracker.sender_id, kind, {}, dedupe_key(tracker, kind))
    return [*stop_active_form(tracker), SlotSet("held_request", None)]


class ActionRecordOptOut(GatewayAction):
    """Opt-out ("stop texting me"): the gateway revokes consent and sends the one confirmation."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_record_opt_out"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, gateway: Gateway
    ) -> list[EventType]:
        """Records ``opt_out`` and says nothing more."""
        return await record_silently(tracker, gateway, "opt_out")


class ActionRecordWrongParty(GatewayAction):
    """Wrong person: the gateway closes the conversation and sends a short closing text."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_record_wrong_party"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, gateway: Gateway
    ) -> list[EventType]:
        """Records ``wrong_party`` and says nothing more."""
        return await record_silently(tracker, gateway, "wrong_party")
