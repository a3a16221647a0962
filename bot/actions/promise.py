"""Promise to pay: collect amount and date, read them back normalised, record on "yes".

``promise_form`` asks for ``promise_amount`` and ``promise_date``. Each value is checked with the
gateway's ``/normalize`` as soon as it is given; a refused value is explained with the gateway's
own sentence and asked again. ``action_confirm_promise`` reads back the normalised values
("$50.00 on Friday, November 27 — is that right?"); "yes" records, "no" runs the form again.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from . import texts
from .base import GatewayAction, apologise
from .gateway import Gateway, GatewayUnavailable, InvalidUpdate, NotVerified
from .turns import (
    INTERRUPTS,
    Request,
    action_before_latest_message,
    current_request,
    dedupe_key,
    latest,
    looks_like_value,
)

# slot -> (entity that fills it, field of /normalize, slot for the normalised display value)
FIELDS = {
    "promise_amount": ("amount", "amount", "promise_amount_display"),
    "promise_date": ("date", "date", "promise_date_display"),
}
# Messages that may be a bare answer ("fifty", "the 15th") even without an entity.
ANSWER_INTENTS = frozenset(
    {
        None,
        "promise_to_pay",
        "request_payment_plan",
        "provide_identity",
        "affirm",
        "nlu_fallback",
        "out_of_scope",
    }
)
CLEARED = [
    SlotSet(name, None) for slot, (_, _, display) in FIELDS.items() for name in (slot, display)
]


def _extract(tracker: Tracker, slot: str) -> dict[str, Any]:
    entity = FIELDS[slot][0]
    requested = tracker.get_slot("requested_slot")
    if requested not in FIELDS:
        return _extract_at_activation(tracker, slot, entity)
    message = latest(tracker)
    if message.intent in INTERRUPTS:
        return {}
    value = message.entity(entity)
    if value is None and requested == slot and _may_answer(message):
        value = message.text  # the gateway finds the amount or date in the text, or says why not
    # Returning nothing lets the form reject the turn, so rules can answer other questions
    # ("what's my balance?") or end the form ("no", "bye").
    return {slot: value} if value else {}


def _may_answer(message: Request) -> bool:
    return message.intent in ANSWER_INTENTS or looks_like_value(message.text)


def _extract_at_activation(tracker: Tracker, slot: str, entity: str) -> dict[str, Any]:
    request: Request = current_request(tracker)
    value = request.entity(entity)
    if action_before_latest_message(tracker) == "action_confirm_promise":
        # An answer to the read-back ("no, make it 60") changes only what it names; a bare
        # "no" starts over.
        gives_any = any(request.entity(name) for name, _, _ in FIELDS.values())
        if value is None and gives_any:
            return {}
    # A fresh promise: values left from an earlier, unfinished promise are cleared.
    return {slot: value}


async def _validate(
    slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
) -> dict[str, Any]:
    _, field, display_slot = FIELDS[slot]
    if not value:
        return {slot: None, display_slot: None}
    candidates = [str(value)]
    answer = latest(tracker).text
    if tracker.get_slot("requested_slot") == slot and answer and answer != value:
        # NLU sometimes tags a fragment ("dollars" in "a thousand dollars"); the whole answer
        # to the question is the second chance.
        candidates.append(answer)
    gateway = Gateway.from_env()
    error: dict[str, Any] = {}
    for candidate in candidates:
        try:
            result = await gateway.normalize(tracker.sender_id, **{field: candidate})
        except GatewayUnavailable:
            apologise(dispatcher)
            return {slot: None, display_slot: None, "requested_slot": None}  # ends the form
        except NotVerified:
            fact = tracker.get_slot("verification_fact")
            dispatcher.utter_message(text=texts.ask_verification(fact))
            return {slot: None, display_slot: None, "verified": False, "requested_slot": None}
        errors = [item for item in result.get("errors") or [] if item.get("field") == field]
        display = result.get(f"{field}_display")
        if display and not errors:
            return {slot: candidate, display_slot: str(display)}
        error = errors[0] if errors else error
        if not str(error.get("code", "")).endswith("_unparsed"):
            break  # read but refused (past date, above balance): the whole text won't help
    if error.get("message"):
        dispatcher.utter_message(text=str(error["message"]))
    return {slot: None, display_slot: None}


class ValidatePromiseForm(FormValidationAction):
    """Extracts and checks the promise's amount and date (``validate_promise_form``)."""

    def name(self) -> str:
        """Rasa calls ``validate_<form name>``."""
        return "validate_promise_form"

    async def extract_promise_amount(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The amount entity, or the whole answer when the amount was asked."""
        return _extract(tracker, "promise_amount")

    async def extract_promise_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The date entity, or the whole answer when the date was asked."""
        return _extract(tracker, "promise_date")

    async def validate_promise_amount(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keeps the raw amount if the gateway can read it, with its display form."""
        return await _validate("promise_amount", value, dispatcher, tracker)

    async def validate_promise_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keeps the raw date if the gateway accepts it, with its display form."""
        return await _validate("promise_date", value, dispatcher, tracker)


class ActionConfirmPromise(Action):
    """Reads the normalised promise back; says nothing if the form ended without one."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_confirm_promise"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The form only ends incomplete after an apology has already been said."""
        amount = tracker.get_slot("promise_amount_display")
        date = tracker.get_slot("promise_date_display")
        if amount and date:
            dispatcher.utter_message(text=texts.promise_read_back(amount, date))
        return []


class ActionRecordPromise(GatewayAction):
    """Records the confirmed promise (``promise_to_pay``) with the raw values the debtor gave."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_record_promise"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, gateway: Gateway
    ) -> list[EventType]:
        """The gateway normalises again when recording; a refusal (e.g. midnight passed) re-asks."""
        amount, date = tracker.get_slot("promise_amount"), tracker.get_slot("promise_date")
        if not amount or not date:
            dispatcher.utter_message(text=texts.PROMISE_AGAIN)
            return list(CLEARED)
        try:
            answer = await gateway.record(
                tracker.sender_id,
                "promise_to_pay",
                {"amount": amount, "date": date},
                dedupe_key(tracker, "promise_to_pay"),
            )
        except InvalidUpdate as exc:
            for message in exc.messages():
                dispatcher.utter_message(text=message)
            dispatcher.utter_message(text=texts.PROMISE_AGAIN)
            return list(CLEARED)
        dispatcher.utter_message(
            text=texts.promise_recorded(
                tracker.get_slot("promise_amount_display") or "",
                tracker.get_slot("promise_date_display") or "",
            )
        )
        if answer.get("escalated"):
            dispatcher.utter_message(text=texts.CONNECTING)
        return list(CLEARED)


class ActionCancelPromise(Action):
    """The debtor backed out while the promise was being collected ("no", "bye")."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_cancel_promise"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Ends the form without recording anything."""
        if latest(tracker).intent == "goodbye":
            dispatcher.utter_message(response="utter_goodbye")
        else:
            dispatcher.utter_message(text=texts.PROMISE_CANCELLED)
        return [ActiveLoop(None), SlotSet("requested_slot", None), *CLEARED]
