"""The balance: told only to the verified debtor, read fresh from the gateway."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from . import texts
from .base import GatewayAction
from .gateway import Gateway, GatewayUnavailable, NotVerified


class ActionTellBalance(GatewayAction):
    """Tells the verified debtor their balance with the creditor (rules run it only then)."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_tell_balance"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, gateway: Gateway
    ) -> list[EventType]:
        """The gateway returns the account only once verified; without it nothing is said."""
        conversation = await gateway.conversation(tracker.sender_id)
        if conversation is None:
            raise GatewayUnavailable("unknown conversation")
        account = conversation.get("account")
        if not account:
            raise NotVerified("no account summary before verification")
        dispatcher.utter_message(
            text=texts.balance(account["creditor"], account["balance_display"])
        )
        return []
