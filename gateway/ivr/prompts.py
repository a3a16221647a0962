"""What the IVR says. Nothing before verification names the collector, creditor or a debt."""

from __future__ import annotations

VERIFY_FACT = {
    "date_of_birth": (
        "please enter your date of birth as eight digits, two for the month, two for the day "
        "and four for the year, or say it"
    ),
    "postal_code": "please enter or say the five digit ZIP code of your home address",
}
MENU = (
    "To promise a payment, press 1 or say promise. To dispute this debt, press 2. "
    "If you are facing financial hardship, press 3. To hear your balance, press 4. "
    "To talk to a person, press 0. To leave a message, press 9."
)
ASK_AMOUNT = (
    "Please enter the amount you will pay in dollars, then press pound. "
    "For cents, press star between dollars and cents."
)
ASK_DATE = (
    "Please enter the date you will pay as four digits, two for the month and two for the "
    "day, or say the date."
)
NOT_UNDERSTOOD = "Sorry, I did not get that."
NO_MATCH = "That did not match our records."
GOODBYE = "Thank you for calling. Goodbye."
FAILED = "Sorry, something went wrong on our side. Please call again later. Goodbye."
LEAVE_MESSAGE = "Please leave a message after the tone, then hang up or press pound."
MESSAGE_SAVED = "Thank you, your message has been saved. Goodbye."
TRANSFER = "Please hold while I connect you with a person."
NO_AGENT = "No one is available to take your call right now."
UNKNOWN_CALLER = (
    "Thank you for calling. We could not find your number in our records. "
    "Please leave your name, a call back number and your message after the tone."
)
HARDSHIP = "Thank you for telling us. A person will review your situation."
OPT_OUT = "We will not call this number again. Goodbye."
WRONG_PARTY = "Sorry for the trouble. We will not call this number again. Goodbye."


def greeting(fact: str) -> str:
    """The first words of a call; says who we want to reach is verified, nothing more."""
    return f"Hello. To make sure we are speaking with the right person, {VERIFY_FACT[fact]}."


def verify_again(fact: str) -> str:
    """Asking for the fact again after a miss."""
    return f"{NO_MATCH} {VERIFY_FACT[fact].capitalize()}."


def mini_miranda(collector: str) -> str:
    """The FDCPA 1692e(11) disclosure, said once the right party is verified."""
    return (
        f"Thank you. This is {collector}. This is a communication from a debt collector. "
        "This is an attempt to collect a debt, and any information obtained will be used for "
        "that purpose."
    )


def balance(display: str, creditor: str) -> str:
    """The balance readout (verified callers only)."""
    return f"The balance of your account with {creditor} is {display}."


def confirm_promise(amount: str, when: str) -> str:
    """The read-back of a promise before it is recorded."""
    return (
        f"You promise to pay {amount} on {when}. To confirm, press 1 or say yes. "
        "To change it, press 2."
    )


def promise_recorded(amount: str, when: str) -> str:
    """After the promise is stored."""
    return f"Thank you. Your promise to pay {amount} on {when} is recorded."


def dispute_recorded() -> str:
    """After a dispute: what happens next (12 CFR 1006.34 validation)."""
    return (
        "Your dispute is recorded. We will stop collection on this debt until we send you "
        "verification of it."
    )


def limited_content(contact_name: str, business: str, phone: str) -> str:
    """A limited-content voicemail (12 CFR 1006.2(j)): business name, a request to reply, a
    person's name and a phone number, and nothing else."""
    spaced = " ".join(ch for ch in phone if ch.isdigit())
    return (
        f"Hello, this is {contact_name} from {business}. Please call me back at {spaced}. "
        f"Again, that number is {spaced}. Thank you."
    )


def step_text(step: str, fact: str) -> str:
    """What a step asks, said again after a miss (or to a webhook for an earlier step)."""
    return {
        "verify": VERIFY_FACT[fact].capitalize() + ".",
        "menu": MENU,
        "amount": ASK_AMOUNT,
        "date": ASK_DATE,
        "confirm": "To confirm your promise, press 1. To change it, press 2.",
    }[step]
