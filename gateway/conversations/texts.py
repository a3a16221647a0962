"""What Parley itself says in a conversation: confirmations and the unknown-sender notice.

None of them names the creditor, mentions a debt or an amount: whoever holds the phone may
not be the debtor (12 CFR 1006.6(d), third-party disclosure).
"""

from __future__ import annotations


def opt_out_confirmation(collector: str, channel: str) -> str:
    """The single confirmation of a revocation (FCC 2012 SoundBite ruling)."""
    if channel == "email":
        return f"{collector}: you will not receive more emails from us at this address."
    return f"{collector}: you will not receive more texts from us. Reply START to resubscribe."


def opt_in_confirmation(collector: str) -> str:
    """Confirms a START: messages may resume."""
    return f"{collector}: you are subscribed to messages again. Reply STOP to opt out."


def help_text(collector: str, phone: str) -> str:
    """The HELP answer carriers require."""
    return f"{collector}: for help call {phone}. Msg & data rates may apply. Reply STOP to opt out."


def wrong_party_confirmation(collector: str, channel: str) -> str:
    """Closes a conversation with someone who is not the person we are looking for."""
    where = "address" if channel == "email" else "number"
    return f"{collector}: sorry for the trouble. We will not contact this {where} again."


def unknown_sender(collector: str, phone: str) -> str:
    """For a sender Parley has no account for: says nothing about anyone."""
    return (
        f"{collector}: we could not match this number to our records. A team member will "
        f"review your message, or call {phone}. Reply STOP to opt out."
    )


def assistant_unavailable(collector: str) -> str:
    """Sent when the assistant stayed unreachable and a person takes over."""
    return f"{collector}: thanks for your message. A team member will reply to you shortly."
