"""Hardship: record the debtor's circumstances; a specialist takes over or a plan is offered."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from . import texts
from .base import GatewayAction
from .gateway import Gateway
from .turns import current_request, dedupe_key, stop_active_form


class ActionRecordHardship(GatewayAction):
    """Records ``hardship`` (type from the entity, "other" without one; the text as detail)."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_record_hardship"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, gateway: Gateway
    ) -> list[EventType]:
        """Escalated (the gateway's default for hardship): a specialist; else offer a plan.

        A "yes" to the offer starts the payment plan form (rule); an open form is ended, since
        what the debtor was asked before no longer fits.
        """
        request = current_request(tracker)
        answer = await gateway.record(
            tracker.sender_id,
            "hardship",
            {"hardship_type": request.entity("hardship_type") or "other", "detail": request.text},
            dedupe_key(tracker, "hardship"),
        )
        escalated = bool(answer.get("escalated"))
        dispatcher.utter_message(
            text=texts.HARDSHIP_ESCALATED if escalated else texts.HARDSHIP_NOTED
        )
        return stop_active_form(tracker)
