"""Already paid: record what the debtor says they paid, for the team to check."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from . import texts
from .base import GatewayAction, record_lenient
from .gateway import Gateway
from .turns import current_request, stop_active_form


class ActionRecordAlreadyPaid(GatewayAction):
    """Records ``already_paid`` with the amount and date if given, and the text as detail."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_record_already_paid"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, gateway: Gateway
    ) -> list[EventType]:
        """An open form (say, a promise being collected) is ended: it no longer applies."""
        request = current_request(tracker)
        data = {
            "amount": request.entity("amount"),
            "date": request.entity("date"),
            "detail": request.text,
        }
        data = {name: value for name, value in data.items() if value}
        answer = await record_lenient(gateway, dispatcher, tracker, "already_paid", data)
        dispatcher.utter_message(text=texts.ALREADY_PAID)
        if answer.get("escalated"):
            dispatcher.utter_message(text=texts.CONNECTING)
        return stop_active_form(tracker)
