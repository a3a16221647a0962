"""Identity: hold requests until the debtor is verified, check the fact, greet, say who we are.

Before verification the assistant names nobody (no collector, no creditor) and says nothing about
a debt (Regulation F, 12 CFR 1006.6(d)). What the debtor asked for meanwhile is kept in the
``held_request`` slot; when verification succeeds ``resume_intent`` names it and a rule runs the
matching action or form, which reads the held message (see ``turns.current_request``).
"""

from __future__ import annotations

import os

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from . import texts
from .base import GatewayAction, apologise
from .gateway import Gateway, GatewayUnavailable
from .turns import Request, latest

# Values of the categorical slot resume_intent: the requests that wait for verification.
NOTHING = "nothing"
HELD_INTENTS = frozenset(
    {
        "ask_balance",
        "promise_to_pay",
        "request_payment_plan",
        "dispute_debt",
        "report_hardship",
        "already_paid",
        "request_validation",
    }
)
_ENTITY_FOR_FACT = {"date_of_birth": "dob", "postal_code": "zip"}


async def _known_fact(tracker: Tracker) -> tuple[str | None, list[EventType]]:
    """The verification fact, asking the gateway if session start could not."""
    fact = tracker.get_slot("verification_fact")
    if fact:
        return fact, []
    try:
        conversation = await Gateway.from_env().conversation(tracker.sender_id)
    except GatewayUnavailable:
        return None, []  # the texts then ask for the gateway's default fact
    fact = (conversation or {}).get("verification_fact")
    return fact, [SlotSet("verification_fact", fact)] if fact else []


def presented_value(message: Request, fact: str | None) -> str:
    """What to check: the entity matching the fact, else the whole text (the gateway parses it)."""
    entity = _ENTITY_FOR_FACT.get(fact or "")
    return (message.entity(entity) if entity else None) or message.text


class ActionHoldRequest(Action):
    """Keeps a debt-related request made before verification, and asks for verification."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_hold_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Stores the latest message in ``held_request`` and asks for the verification fact."""
        fact, events = await _known_fact(tracker)
        dispatcher.utter_message(text=texts.ask_verification(fact))
        return [*events, SlotSet("held_request", latest(tracker).as_slot())]


class ActionVerifyIdentity(GatewayAction):
    """Checks the date of birth or ZIP with the gateway and reacts to the outcome."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_verify_identity"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, gateway: Gateway
    ) -> list[EventType]:
        """Always sets ``resume_intent``: the rules after this action branch on it."""
        nothing = SlotSet("resume_intent", NOTHING)
        if tracker.get_slot("verified"):
            dispatcher.utter_message(text=texts.ALREADY_VERIFIED)
            return [nothing, SlotSet("held_request", None)]
        fact, events = await _known_fact(tracker)
        try:
            answer = await gateway.verify(tracker.sender_id, presented_value(latest(tracker), fact))
        except GatewayUnavailable:
            apologise(dispatcher)
            return [*events, nothing]
        if answer.get("verified") is True:
            held = tracker.get_slot("held_request")
            intent = held.get("intent") if isinstance(held, dict) else None
            resume = intent if intent in HELD_INTENTS else NOTHING
            dispatcher.utter_message(text=texts.verified(anything_pending=resume != NOTHING))
            return [*events, SlotSet("verified", True), SlotSet("resume_intent", resume)]
        outcome = answer.get("outcome")
        if outcome == "locked" or answer.get("escalated"):
            # The gateway has handed the conversation to a person and stops sending us turns.
            dispatcher.utter_message(text=texts.LOCKED)
            return [*events, nothing, SlotSet("held_request", None)]
        if outcome == "mismatch":
            attempts_left = int(answer.get("attempts_left") or 0)
            dispatcher.utter_message(text=texts.mismatch(fact, attempts_left))
        else:
            dispatcher.utter_message(text=texts.unparsed(fact))
        return [*events, nothing]


class ActionGreet(GatewayAction):
    """Greets: by first name once verified, else introduces itself and asks for verification."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_greet"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, gateway: Gateway
    ) -> list[EventType]:
        """A greeting never needs the gateway badly enough to apologise for it."""
        if not tracker.get_slot("verified"):
            fact, events = await _known_fact(tracker)
            dispatcher.utter_message(text=texts.ask_verification(fact))
            return events
        try:
            conversation = await gateway.conversation(tracker.sender_id)
        except GatewayUnavailable:
            conversation = None
        account = (conversation or {}).get("account") or {}
        dispatcher.utter_message(text=texts.greet_verified(account.get("debtor_first_name")))
        return []


class ActionWhoIsThis(GatewayAction):
    """Says who is writing: only "an automated assistant" until the debtor is verified."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_who_is_this"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, gateway: Gateway
    ) -> list[EventType]:
        """Names creditor and collector only when the gateway returns the account (verified)."""
        if not tracker.get_slot("verified"):
            fact, events = await _known_fact(tracker)
            dispatcher.utter_message(text=texts.who_unverified(fact))
            return events
        conversation = await gateway.conversation(tracker.sender_id)
        account = (conversation or {}).get("account")
        if not account:
            # The gateway (the authority) says not verified: believe it.
            fact = tracker.get_slot("verification_fact")
            dispatcher.utter_message(text=texts.who_unverified(fact))
            return [SlotSet("verified", False)]
        # The bot API has no collector name yet; PARLEY_COLLECTOR_NAME is the gateway's setting.
        collector = account.get("collector") or os.environ.get("PARLEY_COLLECTOR_NAME")
        dispatcher.utter_message(text=texts.who_verified(account["creditor"], collector))
        return []
