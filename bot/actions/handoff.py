"""Handing the conversation to a person: on request, and after two misunderstandings in a row.

Recording a ``handoff`` always escalates: the gateway shows the conversation to agents and stops
sending the debtor's messages to Rasa until an agent returns it to the bot.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from . import texts
from .base import GatewayAction
from .gateway import Gateway
from .turns import dedupe_key, previous_turn_was_fallback, stop_active_form


async def hand_off(tracker: Tracker, gateway: Gateway, reason: str) -> list[EventType]:
    """Records the handoff; the events end any open form (a person takes it from here)."""
    await gateway.record(
        tracker.sender_id, "handoff", {"reason": reason}, dedupe_key(tracker, "handoff")
    )
    return stop_active_form(tracker)


class ActionHandoff(GatewayAction):
    """The debtor asked for a person."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_handoff"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, gateway: Gateway
    ) -> list[EventType]:
        """Records ``handoff`` with reason "requested"."""
        events = await hand_off(tracker, gateway, "requested")
        dispatcher.utter_message(text=texts.AGENT_REQUESTED)
        return events


class ActionDefaultFallback(GatewayAction):
    """Replaces Rasa's fallback: ask to rephrase once; a second miss in a row hands off.

    Runs for ``nlu_fallback`` and ``out_of_scope`` (rules) and when the policies are unsure
    (RulePolicy's core fallback). "In a row" is read from the tracker: the previous message was
    answered by this action too. Any understood message in between starts the count again.
    """

    def name(self) -> str:
        """Rasa's name for the fallback action."""
        return "action_default_fallback"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, gateway: Gateway
    ) -> list[EventType]:
        """Unlike Rasa's default, the message is not reverted: it counts towards the handoff."""
        if not previous_turn_was_fallback(tracker):
            dispatcher.utter_message(text=texts.REPHRASE)
            return []
        events = await hand_off(tracker, gateway, "fallback")
        dispatcher.utter_message(text=texts.FALLBACK_HANDOFF)
        return events
