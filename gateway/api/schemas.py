"""Request bodies of the HTTP contract; field names are fixed by the design."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    field_validator,
    model_validator,
)

from gateway.outreach.rendering import RESERVED_NAMES
from policies import validate_postal_code, validate_zone

Channel = Literal["sms", "voice", "email"]
Purpose = Literal["collection", "validation_notice", "transactional", "reply"]
ContactOutcome = Literal[
    "conversation", "no_answer", "voicemail", "busy", "failed", "delivered", "sent", "undelivered"
]
_DECIMAL = re.compile(r"^\d{1,12}(\.\d{1,4})?$")


def _decimal_string(value: str) -> str:
    if not _DECIMAL.match(value):
        raise ValueError("must be a non-negative decimal string such as '432.10'")
    try:
        Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes this
        raise ValueError("must be a decimal string") from None
    return value


def _timezone(value: str) -> str:
    validate_zone(value)
    return value


def _postal_code(value: str) -> str:
    validate_postal_code(value)
    return value


DecimalString = Annotated[StrictStr, AfterValidator(_decimal_string)]
TimeZoneName = Annotated[StrictStr, AfterValidator(_timezone)]
PostalCode = Annotated[StrictStr, AfterValidator(_postal_code)]
Ref = Annotated[StrictStr, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]


def normalise_address(channel: str, address: str) -> str:
    """E.164 for phones, normalised form for email; ValueError when it is not a real address."""
    if channel == "email":
        try:
            return validate_email(address, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ValueError(f"not a valid email address: {exc}") from None
    try:
        number = phonenumbers.parse(address, None)
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number in E.164 form, e.g. +14155550123") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Balance(Strict):
    amount: DecimalString
    currency: Annotated[StrictStr, Field(pattern=r"^[A-Z]{3}$")] = "USD"


class Debtor(Strict):
    name: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    timezone: TimeZoneName | None = None
    postal_code: PostalCode | None = None
    language: Annotated[StrictStr, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")] = "en"
    date_of_birth: date | None = None


class Contact(Strict):
    channel: Channel
    address: Annotated[StrictStr, Field(min_length=3, max_length=320)]
    consent: StrictBool
    consent_source: Literal["api", "agent", "import"] | None = None

    @model_validator(mode="after")
    def _normalise(self) -> Contact:
        object.__setattr__(self, "address", normalise_address(self.channel, self.address))
        return self


class Flags(Strict):
    cease_communication: StrictBool = False
    disputed: StrictBool = False
    validation_recorded: StrictBool = False
    do_not_contact: StrictBool = False
    attorney_represented: StrictBool = False


class AccountIn(Strict):
    creditor: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    collector_type: Literal["first_party", "third_party"]
    balance: Balance
    debtor: Debtor
    contacts: Annotated[list[Contact], Field(max_length=20)] = []
    flags: Flags | None = None


class ContactEventIn(Strict):
    channel: Channel
    direction: Literal["outbound", "inbound"]
    at: AwareDatetime
    outcome: ContactOutcome
    address: StrictStr | None = None
    external_id: Annotated[StrictStr, Field(min_length=1, max_length=128)] | None = None


class ContactEventsIn(Strict):
    events: Annotated[list[ContactEventIn], Field(min_length=1, max_length=1000)]


class EvaluateIn(Strict):
    account_ref: Ref
    channel: Channel
    purpose: Purpose
    address: StrictStr | None = None
    at: AwareDatetime | None = None


Variable = StrictStr | int | float | StrictBool | None


class OutreachIn(Strict):
    account_ref: Ref
    channel: Literal["sms", "voice", "email", "auto"]
    template: Annotated[StrictStr, Field(pattern=r"^[a-z0-9_]{1,100}$")]
    variables: Annotated[dict[str, Variable], Field(max_length=50)] = {}
    purpose: Purpose

    @field_validator("variables")
    @classmethod
    def _no_reserved_variables(cls, value: dict[str, Variable]) -> dict[str, Variable]:
        clash = sorted(RESERVED_NAMES & value.keys())
        if clash:
            raise ValueError(f"variables may not use the reserved names {clash}")
        return value


class BatchItemIn(OutreachIn):
    idempotency_key: Annotated[StrictStr, Field(min_length=1, max_length=255)]


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """JSON schema of a request body, as published in the OpenAPI document."""
    return model.model_json_schema(ref_template="#/components/schemas/{model}")


UpdateKind = Literal[
    "promise_to_pay",
    "payment_plan_request",
    "dispute",
    "hardship",
    "already_paid",
    "callback_request",
    "wrong_party",
    "opt_out",
    "handoff",
]
BotText = Annotated[StrictStr, Field(min_length=1, max_length=1000)]


class BotVerifyIn(Strict):
    """What the debtor typed as their verification fact."""

    value: BotText


class BotNormalizeIn(Strict):
    """Raw amount and/or date text, as the debtor wrote them."""

    amount: BotText | None = None
    date: BotText | None = None


class BotUpdateIn(Strict):
    """A fact the assistant captured; ``data`` holds the raw values the gateway normalises."""

    kind: UpdateKind
    data: dict[str, BotText | None] = Field(default_factory=dict)
    dedupe_key: Annotated[StrictStr, Field(min_length=1, max_length=200)] | None = None


class InboundIn(Strict):
    """A message a consumer sent on a channel that has no provider webhook of its own."""

    channel: Channel
    address: StrictStr
    text: Annotated[StrictStr, Field(min_length=1, max_length=5000)]
    provider_id: Annotated[StrictStr, Field(min_length=1, max_length=100)] | None = None
