"""Disputes and validation: record a dispute in the debtor's own words; explain validation.

``dispute_form`` asks one question (why?) and takes any answer as the reason. The recorded reason
is the message that opened the dispute followed by that answer. A request for validation records
nothing: it explains how the validation notice reaches the debtor and that saying "I dispute it"
pauses collection (see bot/README.md for why it is not treated as a dispute by itself).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from . import texts
from .base import GatewayAction
from .gateway import Gateway
from .turns import current_request, dedupe_key, latest

# Only these leave the question unanswered; anything else the debtor says is their reason.
OTHER_REQUESTS = frozenset({"opt_out", "request_agent"})
CLEARED = [SlotSet("dispute_reason", None), SlotSet("dispute_opening", None)]


def _activating(tracker: Tracker) -> bool:
    return tracker.get_slot("requested_slot") != "dispute_reason"


class ValidateDisputeForm(FormValidationAction):
    """Keeps the opening message at activation, then takes the answer as the reason."""

    def name(self) -> str:
        """Rasa calls ``validate_<form name>``."""
        return "validate_dispute_form"

    async def extract_dispute_reason(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """At activation a placeholder (so validation runs); later the answer's text."""
        if _activating(tracker):
            return {"dispute_reason": None}
        message = latest(tracker)
        if message.intent in OTHER_REQUESTS or not message.text:
            return {}
        return {"dispute_reason": message.text}

    async def validate_dispute_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """At activation stores the opening words and leaves the reason empty, so it is asked."""
        if _activating(tracker):
            return {"dispute_reason": None, "dispute_opening": current_request(tracker).text}
        return {"dispute_reason": value}


class ActionRecordDispute(GatewayAction):
    """Records ``dispute`` and tells the debtor what happens next."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_record_dispute"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, gateway: Gateway
    ) -> list[EventType]:
        """The reason is the debtor's own words: the opening message and the answer."""
        parts = [tracker.get_slot("dispute_opening"), tracker.get_slot("dispute_reason")]
        words = [str(part).strip() for part in parts if part and str(part).strip()]
        reason = "\n".join(dict.fromkeys(words))  # the same words twice are kept once
        answer = await gateway.record(
            tracker.sender_id, "dispute", {"reason": reason}, dedupe_key(tracker, "dispute")
        )
        dispatcher.utter_message(text=texts.DISPUTE_RECORDED)
        if answer.get("escalated"):
            dispatcher.utter_message(text=texts.CONNECTING)
        return list(CLEARED)


class ActionExplainValidation(Action):
    """Explains how validation information is sent (verified debtors only, by rule)."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_explain_validation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Records nothing."""
        dispatcher.utter_message(text=texts.VALIDATION_INFO)
        return []
