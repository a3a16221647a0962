"""What a core system says about an account (``PUT /v1/accounts/{ref}``), validated.

These models are the records' own input: the API validates request bodies against them, and
``gateway.records.accounts`` stores what they hold.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

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
    model_validator,
)

from policies import validate_postal_code, validate_zone
from policies.channels import AddressedChannel

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
    """E.164 for phones, normalised lowercase form for email; ValueError when it is not a real
    address."""
    if channel == "email":
        try:
            # Lowercased whole: providers report addresses lowercased, and an inbound email
            # must find its account whatever case its sender typed.
            return validate_email(address, check_deliverability=False).normalized.lower()
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
    """Unknown fields are errors, and a validated input never changes."""

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
    channel: AddressedChannel
    address: Annotated[StrictStr, Field(min_length=3, max_length=320)]
    consent: StrictBool
    # "written": the consumer's signed or electronic written consent (some states ask for it).
    consent_source: Literal["api", "agent", "import", "written"] | None = None
    # Where the address came from (12 CFR 1006.6(d)); a core system that does not say gave
    # the creditor's records. "consumer_used" is Parley's to record, when the consumer writes.
    provenance: Literal["consumer_provided", "creditor_provided", "skip_trace"] = (
        "creditor_provided"
    )
    work_address: StrictBool = False
    # When a reassigned-numbers database check last found the number still the consumer's.
    reassigned_check_at: AwareDatetime | None = None

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


class Itemization(Strict):
    """How the debt came to its current amount, as a validation notice states it (12 CFR
    1006.34(b)(3) and (c)(2)(vi)-(viii)): owed on the itemization date, then interest, fees,
    payments and credits since."""

    itemization_date: date
    amount: DecimalString
    interest: DecimalString = "0.00"
    fees: DecimalString = "0.00"
    payments: DecimalString = "0.00"
    credits: DecimalString = "0.00"
    # The creditor to whom the debt was owed on the itemization date; default: ``creditor``.
    creditor: Annotated[StrictStr, Field(min_length=1, max_length=200)] | None = None


class AccountIn(Strict):
    creditor: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    collector_type: Literal["first_party", "third_party"]
    balance: Balance
    debtor: Debtor
    contacts: Annotated[list[Contact], Field(max_length=20)] = []
    flags: Flags | None = None
    # A time-barred debt (or the day the statute of limitations runs out): no threat of suit.
    time_barred: StrictBool = False
    limitations_date: date | None = None
    # Validation information the core system provided itself (12 CFR 1006.34).
    validation_provided_at: AwareDatetime | None = None
    # What Parley's own validation notice needs to state; without it the core system is asked.
    itemization: Itemization | None = None
