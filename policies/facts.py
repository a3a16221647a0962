"""The facts about one proposed contact that the rules read."""

from __future__ import annotations

import enum
from dataclasses import dataclass

CHANNELS = ("sms", "email", "voice")
PURPOSES = ("collection", "validation_notice", "transactional", "reply")


class ConsentState(enum.StrEnum):
    """Current consent of the contact point (channel and address), derived from the ledger."""

    GRANTED = "granted"
    REVOKED = "revoked"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class ContactFacts:
    """A proposed contact: where, why, the consent on that address and the account's flags.

    `timezones` are the consumer's indicated IANA zones (declared zone, postal code, area
    codes); empty means no location signal at all.
    """

    channel: str
    purpose: str
    consent: ConsentState
    timezones: tuple[str, ...]
    contact_valid: bool = True
    do_not_contact: bool = False
    cease_communication: bool = False
    disputed: bool = False
    attorney_represented: bool = False

    def __post_init__(self) -> None:
        # Fail closed: a typo in a channel or purpose must not slip past rules keyed on them.
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r}; expected one of {CHANNELS}")
        if self.purpose not in PURPOSES:
            raise ValueError(f"unknown purpose {self.purpose!r}; expected one of {PURPOSES}")
        # Coerce so a plain "revoked" string is recognised by identity checks in the rules.
        object.__setattr__(self, "consent", ConsentState(self.consent))
        if not isinstance(self.timezones, tuple):
            raise TypeError("timezones must be a tuple of IANA zone names")
