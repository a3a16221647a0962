"""Payment plan request: capture amount, frequency and start date, ask once for what is missing.

``payment_plan_form`` has one required slot, ``plan_details``. At activation the request's
entities fill ``plan_amount``, ``plan_frequency`` and ``plan_start_date``; if all three are there
nothing is asked. Otherwise one question names what is missing, and whatever the debtor answers
(even "not sure") completes the form: a specialist reviews the request, the bot does not haggle.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from . import texts
from .base import GatewayAction, record_lenient
from .gateway import Gateway
from .turns import INTERRUPTS, current_request, latest, looks_like_value

# update field -> (slot, entity)
FIELDS = {
    "amount": ("plan_amount", "amount"),
    "frequency": ("plan_frequency", "frequency"),
    "start_date": ("plan_start_date", "date"),
}
# Other requests are answered by their own rules (then the question is asked again, or the form
# is ended by that rule's action), unless the message also reads like plan details.
OTHER_REQUESTS = INTERRUPTS | frozenset(
    {
        "ask_balance",
        "who_is_this",
        "dispute_debt",
        "report_hardship",
        "already_paid",
        "request_validation",
        "callback_request",
    }
)
CLEARED = [SlotSet("plan_details", None)] + [SlotSet(slot, None) for slot, _ in FIELDS.values()]


def _activating(tracker: Tracker) -> bool:
    return tracker.get_slot("requested_slot") != "plan_details"


class ValidatePaymentPlanForm(FormValidationAction):
    """Fills the plan's details from the request and from the one answer."""

    def name(self) -> str:
        """Rasa calls ``validate_<form name>``."""
        return "validate_payment_plan_form"

    async def extract_plan_details(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """At activation a placeholder (so validation runs); later the answer's text."""
        if _activating(tracker):
            return {"plan_details": None}
        message = latest(tracker)
        if message.intent in INTERRUPTS:
            return {}
        gives_details = any(message.entity(entity) for _, entity in FIELDS.values())
        if message.intent in OTHER_REQUESTS and not (
            gives_details or looks_like_value(message.text)
        ):
            return {}
        return {"plan_details": message.text or "-"}

    async def validate_plan_details(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Copies entities into the detail slots; leaves ``plan_details`` empty to ask once."""
        if _activating(tracker):
            request = current_request(tracker)
            slots: dict[str, Any] = {
                slot: request.entity(entity) for slot, entity in FIELDS.values()
            }
            complete = all(slots.values())
            return {**slots, "plan_details": request.text if complete else None}
        message = latest(tracker)
        slots = {
            slot: message.entity(entity)
            for slot, entity in FIELDS.values()
            if tracker.get_slot(slot) is None and message.entity(entity)
        }
        return {**slots, "plan_details": value}


class ActionAskPlanDetails(Action):
    """The form's one question, naming only the missing details."""

    def name(self) -> str:
        """Found by the form as ``action_ask_plan_details``."""
        return "action_ask_plan_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Asks for amount, frequency and/or start date."""
        missing = [field for field, (slot, _) in FIELDS.items() if not tracker.get_slot(slot)]
        dispatcher.utter_message(text=texts.plan_question(missing or list(FIELDS)))
        return []


class ActionRecordPaymentPlan(GatewayAction):
    """Records ``payment_plan_request`` and tells the debtor a specialist will review it."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_record_payment_plan"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, gateway: Gateway
    ) -> list[EventType]:
        """Values the gateway cannot use are explained and left out, the rest is recorded."""
        data = {
            field: tracker.get_slot(slot)
            for field, (slot, _) in FIELDS.items()
            if tracker.get_slot(slot)
        }
        answer = await record_lenient(gateway, dispatcher, tracker, "payment_plan_request", data)
        stored = answer.get("data") or {}
        start = stored.get("start_date")
        dispatcher.utter_message(
            text=texts.plan_recorded(
                stored.get("amount_display"),
                stored.get("frequency"),
                date.fromisoformat(start) if isinstance(start, str) else None,
            )
        )
        if answer.get("escalated"):
            dispatcher.utter_message(text=texts.CONNECTING)
        return list(CLEARED)
