"""Session start: read from the gateway whether the debtor is already verified.

The tracker store is in memory, so after a Rasa restart (or a session timeout) the tracker knows
nothing. The gateway remembers verification per conversation; reading it here means a verified
debtor is never asked again just because Rasa restarted.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from .gateway import Gateway, GatewayUnavailable


class ActionSessionStart(Action):
    """Replaces Rasa's ``action_session_start``: starts with the gateway's verification state."""

    def name(self) -> str:
        """Rasa's name for the session start action."""
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Starts the session; slots are not carried over, they are re-read from the gateway."""
        try:
            conversation = await Gateway.from_env().conversation(tracker.sender_id)
        except GatewayUnavailable:
            # Nothing is said at session start. Unverified is the safe assumption: at worst a
            # verified debtor is asked again, and the gateway answers the check "verified".
            conversation = None
        conversation = conversation or {}
        return [
            SessionStarted(),
            SlotSet("verified", conversation.get("verified") is True),
            SlotSet("verification_fact", conversation.get("verification_fact")),
            ActionExecuted("action_listen"),
        ]
