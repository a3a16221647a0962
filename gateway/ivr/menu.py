"""The menu's keys and the spoken answers that mean the same (pure)."""

from __future__ import annotations

from channels.events import CallInput

MENU_KEYS = {
    "1": "promise",
    "2": "dispute",
    "3": "hardship",
    "4": "balance",
    "0": "agent",
    "9": "message",
}
# Rasa intents heard at the menu, as the menu choice they mean.
MENU_INTENTS = {
    "promise_to_pay": "promise",
    "request_payment_plan": "promise",
    "dispute_debt": "dispute",
    "request_validation": "dispute",
    "report_hardship": "hardship",
    "ask_balance": "balance",
    "request_agent": "agent",
    "callback_request": "message",
    "opt_out": "opt_out",
    "wrong_person": "wrong_party",
}
# Said at any step: recorded for whoever answered, then the call ends.
STOP_CHOICES = frozenset({"opt_out", "wrong_party"})
HINTS = "promise, dispute, hardship, balance, agent"
# Steps whose spoken answers Rasa's NLU reads (amounts and dates are read by the gateway).
SPEECH_STEPS = frozenset({"verify", "menu", "confirm"})


def menu_choice(heard: CallInput, intent: str | None) -> str | None:
    """The menu choice of a key press or of what Rasa heard; None when it means nothing."""
    if heard.digits:
        return MENU_KEYS.get(heard.digits)
    return MENU_INTENTS.get(intent) if intent else None


def confirmation(heard: CallInput, intent: str | None) -> str | None:
    """ "yes", "no" or None for the promise read-back (1/2 on the keypad, or spoken)."""
    if heard.digits:
        return {"1": "yes", "2": "no"}.get(heard.digits)
    return {"affirm": "yes", "deny": "no"}.get(intent or "")
