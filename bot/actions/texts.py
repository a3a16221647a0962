"""What the custom actions say to the debtor (the static one-liners are responses in domain.yml).

Every text is plain and at most 300 characters: it goes out as one SMS, email line or chat bubble.
Before identity is verified nothing here names the creditor or the collector, or says that a debt
exists: whoever holds the phone may not be the debtor (12 CFR 1006.6(d), third-party disclosure).
"""

from __future__ import annotations

from datetime import date

MAX_LENGTH = 300

SORRY = "Sorry, something went wrong on our side. A member of our team will follow up with you."

_FACTS = {
    "date_of_birth": "your date of birth (MM/DD/YYYY)",
    "postal_code": "your 5-digit ZIP code",
}
_EXAMPLES = {
    "date_of_birth": "your date of birth as MM/DD/YYYY, for example 03/14/1985",
    "postal_code": "your 5-digit ZIP code, for example 60601",
}
_FREQUENCIES = {
    "weekly": "every week",
    "biweekly": "every two weeks",
    "semimonthly": "twice a month",
    "monthly": "every month",
}


def _fact(fact: str | None) -> str:
    # The gateway names the fact; date of birth is its default when it could not be asked.
    return _FACTS.get(fact or "", _FACTS["date_of_birth"])


def ask_verification(fact: str | None) -> str:
    """Introduces the assistant and asks for the verification fact, naming nobody."""
    return (
        "Hi, I'm an automated assistant. Before I can help, I need to confirm who I'm talking "
        f"to. Please reply with {_fact(fact)}."
    )


def who_unverified(fact: str | None) -> str:
    """Answers "who is this?" before verification: no collector, no creditor, no debt."""
    return (
        "I'm an automated assistant. I can't share any details until I confirm who I'm "
        f"talking to. Please reply with {_fact(fact)}."
    )


def who_verified(creditor: str, collector: str | None) -> str:
    """Answers "who is this?" to the verified debtor."""
    if collector:
        return (
            f"This is the automated assistant of {collector}, contacting you on behalf of "
            f"{creditor} about your account. How can I help?"
        )
    return (
        f"This is an automated assistant contacting you on behalf of {creditor} about your account."
    )


def greet_verified(first_name: str | None) -> str:
    """Greets a debtor who is already verified."""
    return f"Hi {first_name}! How can I help you today?" if first_name else "Hi! How can I help?"


def verified(anything_pending: bool) -> str:
    """Confirms verification; asks what they need unless a held request is answered next."""
    if anything_pending:
        return "Thank you, you're verified."
    return "Thank you, you're verified. How can I help you today?"


ALREADY_VERIFIED = "You're already verified. How can I help you today?"


def mismatch(fact: str | None, attempts_left: int) -> str:
    """Re-asks after a wrong answer, saying how many tries remain."""
    tries = "1 more try" if attempts_left == 1 else f"{attempts_left} more tries"
    return (
        f"Sorry, that doesn't match our records. Please reply with {_fact(fact)}. You have {tries}."
    )


def unparsed(fact: str | None) -> str:
    """Re-asks when the answer could not be read at all (no attempt used)."""
    example = _EXAMPLES.get(fact or "", _EXAMPLES["date_of_birth"])
    return f"Sorry, I couldn't read that. Please reply with {example}."


LOCKED = "Sorry, I couldn't confirm your identity. A member of our team will follow up with you."


def balance(creditor: str, balance_display: str) -> str:
    """The balance, for the verified debtor only."""
    return f"Your balance with {creditor} is {balance_display}."


def promise_read_back(amount_display: str, date_display: str) -> str:
    """Reads the normalised promise back before anything is recorded."""
    return f"Just to confirm: {amount_display} on {date_display} — is that right?"


def promise_recorded(amount_display: str, date_display: str) -> str:
    """Confirms a recorded promise to pay."""
    return f"Thank you. I've recorded your promise to pay {amount_display} on {date_display}."


PROMISE_AGAIN = "Please tell me again how much you can pay and when."

PROMISE_CANCELLED = (
    "OK, I haven't recorded a promise. If paying is hard right now, I can pass a payment plan "
    "request or your circumstances to our team."
)


def plan_question(missing: list[str]) -> str:
    """The one question about a payment plan, naming only what is missing."""
    wanted = {
        "amount": "how much you could pay each time",
        "frequency": "how often (weekly, every two weeks or monthly)",
        "start_date": "when you could start",
    }
    parts = [wanted[name] for name in missing]
    asked = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return (
        f"Thanks. To pass this to a specialist, could you tell me {asked}? "
        "If you're not sure yet, just say so."
    )


def plan_recorded(amount_display: str | None, frequency: str | None, start: date | None) -> str:
    """Confirms a payment plan request, echoing what was understood."""
    parts = [
        amount_display,
        _FREQUENCIES.get(frequency or ""),
        f"starting {start.strftime('%B')} {start.day}" if start else None,
    ]
    summary = ", ".join(part for part in parts if part)
    request = f"payment plan request ({summary})" if summary else "payment plan request"
    return (
        f"Thanks. I've passed your {request} to a specialist, who will review it and get back "
        "to you."
    )


DISPUTE_RECORDED = (
    "Thank you. I've recorded your dispute. Collection on this account is paused until we send "
    "you verification of the debt. You can also dispute it in writing at the address on your "
    "validation notice."
)

VALIDATION_INFO = (
    "A validation notice with the details of this debt and your rights, including how to "
    "dispute it, is sent to you by mail or email. If you think the debt is wrong, tell me you "
    "dispute it: collection pauses until we send you verification."
)

HARDSHIP_ESCALATED = (
    "I'm sorry to hear that, and thank you for telling us. I'm connecting you with a specialist "
    "who can go over your options with you."
)

HARDSHIP_NOTED = (
    "I'm sorry to hear that, and thank you for telling us. I've noted it on your account. "
    "Would a payment plan help? Reply YES and I'll pass a request to a specialist."
)

ALREADY_PAID = (
    "Thanks for letting us know. I've passed this to our team to check against our records. "
    "They'll contact you if they need anything, such as a receipt."
)

CONNECTING = "I'm connecting you with a member of our team, who will reply here shortly."


def callback(when: str | None) -> str:
    """Confirms a callback request, echoing the time the debtor gave."""
    if when:
        return f"Thanks. I've asked a member of our team to call you {when}."
    return "Thanks. I've asked a member of our team to call you back."


AGENT_REQUESTED = (
    "OK, I've asked a member of our team to take over. They'll reply to you here shortly."
)

REPHRASE = "Sorry, I didn't understand that. Could you say it another way?"

FALLBACK_HANDOFF = (
    "Sorry, I'm having trouble understanding. I've asked a member of our team to follow up with "
    "you here."
)
