"""Request bodies of the HTTP contract that only the edge reads; field names are fixed by the
design. The records' and intake's own inputs (accounts, outreach) live with them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, StrictStr

from gateway.outreach.request import OutreachIn, Purpose, Variables
from gateway.records.account_input import AccountIn, Ref, Strict, normalise_address
from policies.channels import AddressedChannel

__all__ = [
    "AccountIn",
    "BatchItemIn",
    "BotNormalizeIn",
    "BotUpdateIn",
    "BotVerifyIn",
    "ContactEventsIn",
    "EvaluateIn",
    "InboundIn",
    "OutreachIn",
    "PortalLinkIn",
    "RecordingIn",
    "Ref",
    "normalise_address",
    "schema_of",
]

ContactOutcome = Literal[
    "conversation", "no_answer", "voicemail", "busy", "failed", "delivered", "sent", "undelivered"
]


class ContactEventIn(Strict):
    channel: AddressedChannel
    direction: Literal["outbound", "inbound"]
    at: AwareDatetime
    outcome: ContactOutcome
    address: StrictStr | None = None
    external_id: Annotated[StrictStr, Field(min_length=1, max_length=128)] | None = None


class ContactEventsIn(Strict):
    events: Annotated[list[ContactEventIn], Field(min_length=1, max_length=1000)]


class EvaluateIn(Strict):
    account_ref: Ref
    channel: AddressedChannel
    purpose: Purpose
    address: StrictStr | None = None
    at: AwareDatetime | None = None
    # A template to render for the account, so its disclosures are checked too.
    template: Annotated[StrictStr, Field(pattern=r"^[a-z0-9_]{1,100}$")] | None = None
    variables: Variables


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

    channel: AddressedChannel
    address: StrictStr
    text: Annotated[StrictStr, Field(min_length=1, max_length=5000)]
    provider_id: Annotated[StrictStr, Field(min_length=1, max_length=100)] | None = None


class PortalLinkIn(Strict):
    # At most 90 days: a link is a key to the account, and should not outlive its message.
    expires_in_hours: Annotated[int, Field(ge=1, le=24 * 90, strict=True)] | None = None


class RecordingIn(Strict):
    """A call recording from another dialer: where to fetch it (or, in a multipart upload,
    the file itself), and which account and call it belongs to."""

    account_ref: Ref
    external_id: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    recorded_at: AwareDatetime
    direction: Literal["inbound", "outbound"]
    url: Annotated[StrictStr, Field(max_length=2000, pattern=r"^https?://[^\s]+$")] | None = None
