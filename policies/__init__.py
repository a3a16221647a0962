"""Pure contact-policy rules: facts and `now` in, a Decision out. No I/O, no clock reads."""

from policies.decision import Decision, Outcome, Reason
from policies.engine import evaluate
from policies.facts import CHANNELS, PURPOSES, ConsentState, ContactFacts

__all__ = [
    "CHANNELS",
    "PURPOSES",
    "ConsentState",
    "ContactFacts",
    "Decision",
    "Outcome",
    "Reason",
    "evaluate",
]
