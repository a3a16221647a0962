"""The shape every gateway-calling action shares: a gateway failure never crashes the action.

An unreachable or failing gateway becomes one short apology and no state change. A 403
``not_verified`` means the tracker thought the debtor verified while the gateway (the authority)
does not: the assistant believes the gateway, holds the request and asks for verification.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from . import texts
from .gateway import Gateway, GatewayUnavailable, InvalidUpdate, NotVerified
from .turns import current_request, dedupe_key

logger = logging.getLogger(__name__)


def apologise(dispatcher: CollectingDispatcher) -> None:
    """Says the gateway failure apology, once per action run (a form may check two values)."""
    if not any(message.get("text") == texts.SORRY for message in dispatcher.messages):
        dispatcher.utter_message(text=texts.SORRY)


class GatewayAction(Action, ABC):
    """Base for actions that call the bot API; subclasses implement :meth:`act`."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Runs :meth:`act` and turns gateway failures into what the debtor should hear."""
        try:
            return await self.act(dispatcher, tracker, Gateway.from_env())
        except GatewayUnavailable:
            apologise(dispatcher)
            return []
        except NotVerified:
            fact = tracker.get_slot("verification_fact")
            dispatcher.utter_message(text=texts.ask_verification(fact))
            return [
                SlotSet("verified", False),
                SlotSet("held_request", current_request(tracker).as_slot()),
            ]
        except InvalidUpdate as exc:
            # Callers handle the refusals they expect; one left over is a contract mismatch.
            logger.warning("%s: update refused: %s", self.name(), sorted(exc.fields()))
            apologise(dispatcher)
            return []

    @abstractmethod
    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, gateway: Gateway
    ) -> list[EventType]:
        """The action's work; may raise the gateway client's exceptions."""


async def record_lenient(
    gateway: Gateway,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    kind: str,
    data: dict[str, Any],
) -> dict[str, Any]:
    """Records an update whose fields are all optional.

    If the gateway refuses some values (an unreadable date, say) the debtor is told why, and the
    update is recorded once more without them: a specialist can still act on the rest.
    """
    key = dedupe_key(tracker, kind)
    try:
        return await gateway.record(tracker.sender_id, kind, data, key)
    except InvalidUpdate as exc:
        for message in exc.messages():
            dispatcher.utter_message(text=message)
        refused = exc.fields()
        kept = {name: value for name, value in data.items() if name not in refused}
        # Nothing was stored for the refused attempt, so the same dedupe key is still unused.
        return await gateway.record(tracker.sender_id, kind, kept, key)
