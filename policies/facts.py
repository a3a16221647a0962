"""The facts about one proposed contact that the rules read.

Facts are plain data: the gateway loads them, the engine reads them, and the audit log
stores them (`policies.facts_json`) so a decision can be re-run on exactly the same input.
Every datetime is timezone-aware and normalised to UTC on the way in.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, time

from policies.channels import CHANNELS

PURPOSES = ("collection", "validation_notice", "transactional", "reply")
DIRECTIONS = ("outbound", "inbound")
# What happened to one contact event. Voice: conversation (a person was reached and spoke),
# no_answer, voicemail, busy, failed. Messages: sent, delivered, undelivered, failed.
CONTACT_OUTCOMES = (
    "conversation",
    "no_answer",
    "voicemail",
    "busy",
    "failed",
    "delivered",
    "sent",
    "undelivered",
)

# Where a contact point came from (12 CFR 1006.6(d)(4), (d)(5)): given by the consumer, by the
# creditor, found by skip tracing, or used by the consumer to write to the collector.
PROVENANCES = ("consumer_provided", "creditor_provided", "skip_trace", "consumer_used")
# What a message is, for the disclosures it must carry: a collection message (initial or
# subsequent, from the contact history), the validation notice, a limited-content message
# (12 CFR 1006.2(j), voicemail only), a transactional message, a reply in a conversation,
# and the one confirmation of an opt-out (47 CFR 64.1200(a)(12)).
MESSAGE_KINDS = (
    "collection",
    "validation_notice",
    "limited_content",
    "transactional",
    "reply",
    "opt_out_confirmation",
)

_CHANNEL_SET = frozenset(CHANNELS)
_DIRECTION_SET = frozenset(DIRECTIONS)
_OUTCOME_SET = frozenset(CONTACT_OUTCOMES)


class ConsentState(enum.StrEnum):
    """Current consent of the contact point (channel and address), derived from the ledger."""

    GRANTED = "granted"
    REVOKED = "revoked"
    MISSING = "missing"


def as_utc(value: object, name: str) -> datetime:
    """An aware datetime in UTC; TypeError or ValueError naming ``name`` otherwise."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value if value.tzinfo is UTC else value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class ContactRecord:
    """One contact event of the account (either direction, any channel, imported or ours)."""

    channel: str
    direction: str
    at: datetime
    outcome: str

    def __post_init__(self) -> None:
        # Kept cheap: the gateway builds dozens of these per decision.
        if (
            self.channel not in _CHANNEL_SET
            or self.direction not in _DIRECTION_SET
            or self.outcome not in _OUTCOME_SET
        ):
            self._reject()
        at = self.at
        if type(at) is not datetime or at.tzinfo is not UTC:
            object.__setattr__(self, "at", as_utc(at, "ContactRecord.at"))

    def _reject(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r}; expected one of {CHANNELS}")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"unknown direction {self.direction!r}; expected one of {DIRECTIONS}")
        raise ValueError(
            f"unknown contact outcome {self.outcome!r}; expected one of {CONTACT_OUTCOMES}"
        )


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """The text about to go out, for the disclosure and content rules.

    `initial`: no communication in connection with this debt has reached the consumer yet
    (derived by the gateway from the account's whole contact history), so this one is the
    initial communication (15 U.S.C. 1692e(11)). `threatens_legal_action`: the template says
    it may mention suit, which no time-barred debt may (12 CFR 1006.26(b)).
    """

    text: str
    kind: str
    initial: bool
    threatens_legal_action: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise TypeError("message text must be a string")
        if self.kind not in MESSAGE_KINDS:
            raise ValueError(f"unknown message kind {self.kind!r}; expected one of {MESSAGE_KINDS}")


@dataclass(frozen=True, slots=True)
class ContactFacts:
    """A proposed contact: where, why, the consent on that address and the account's state.

    `timezones` are the consumer's declared IANA zones; the engine adds the zones indicated by
    `postal_code` and by the area code of each of `phones` (see `policies.timezones`).
    `history` holds this account's contact events (both directions, every channel, at least
    the last 30 days, imported events included). `last_inbound_at` is the consumer's latest
    inbound message on this channel, read for purpose "reply". On chat the session the
    consumer opened is the address: there is no contact point on file to be invalid.
    """

    channel: str
    purpose: str
    consent: ConsentState
    timezones: tuple[str, ...]
    postal_code: str | None = None
    phones: tuple[str, ...] = ()
    contact_valid: bool = True
    history: tuple[ContactRecord, ...] = ()
    do_not_contact: bool = False
    cease_communication: bool = False
    disputed: bool = False
    validation_recorded: bool = False
    attorney_represented: bool = False
    last_inbound_at: datetime | None = None
    # Where the address came from (PROVENANCES; None: not recorded, which meets no safe
    # harbor), whether it is known to be a work address, when the consumer last wrote from it
    # on this channel, and when a reassigned-numbers check last found the number still theirs.
    provenance: str | None = None
    work_address: bool = False
    consumer_used_at: datetime | None = None
    reassigned_check_at: datetime | None = None
    # How consent on this address was given (the ledger's source: "written", "verbal", ...).
    consent_source: str | None = None
    time_barred: bool = False
    message: MessageFacts | None = None
    # Local hours [start, end) the consumer said suit them. 12 CFR 1006.6(b)(1)(i) makes any
    # time the consumer called inconvenient inconvenient, so this only ever narrows the
    # quiet-hours window, never widens it. Whole minutes: the audit log stores "HH:MM".
    preferred_hours: tuple[time, time] | None = None

    def __post_init__(self) -> None:
        # Fail closed: a typo in a channel or purpose must not slip past rules keyed on them.
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r}; expected one of {CHANNELS}")
        if self.purpose not in PURPOSES:
            raise ValueError(f"unknown purpose {self.purpose!r}; expected one of {PURPOSES}")
        # Coerce so a plain "revoked" string is recognised by identity checks in the rules.
        object.__setattr__(self, "consent", ConsentState(self.consent))
        if not isinstance(self.timezones, tuple) or not all(
            isinstance(z, str) for z in self.timezones
        ):
            raise TypeError("timezones must be a tuple of IANA zone names")
        if self.postal_code is not None and not isinstance(self.postal_code, str):
            raise TypeError("postal_code must be a string or None")
        if not isinstance(self.phones, tuple) or not all(isinstance(p, str) for p in self.phones):
            raise TypeError("phones must be a tuple of E.164 strings")
        if not isinstance(self.history, tuple) or not all(
            type(r) is ContactRecord for r in self.history
        ):
            raise TypeError("history must be a tuple of ContactRecord")
        if self.provenance is not None and self.provenance not in PROVENANCES:
            raise ValueError(
                f"unknown provenance {self.provenance!r}; expected one of {PROVENANCES}"
            )
        if self.message is not None and type(self.message) is not MessageFacts:
            raise TypeError("message must be MessageFacts or None")
        if self.preferred_hours is not None:
            check_preferred_hours(self.preferred_hours)
        for name in INSTANT_FIELDS:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, as_utc(value, name))


# The optional instants of ContactFacts, normalised to UTC like every datetime here.
INSTANT_FIELDS = ("last_inbound_at", "consumer_used_at", "reassigned_check_at")


def check_preferred_hours(hours: object) -> None:
    """Accept a (start, end) pair of naive whole-minute local times with start < end.

    TypeError or ValueError otherwise. A window across midnight is rejected rather than
    guessed at: read the wrong way round it would allow exactly the hours the consumer
    ruled out.
    """
    if not isinstance(hours, tuple) or len(hours) != 2 or not all(type(t) is time for t in hours):
        raise TypeError("preferred_hours must be a (start, end) tuple of datetime.time or None")
    start, end = hours
    for bound in hours:
        if bound.tzinfo is not None or bound.second or bound.microsecond:
            raise ValueError(
                f"preferred_hours bound {bound.isoformat()} must be a whole-minute local time "
                "without tzinfo"
            )
    if not start < end:
        raise ValueError(
            "preferred_hours must start before they end on the same day, "
            f"not {start:%H:%M}-{end:%H:%M}"
        )
