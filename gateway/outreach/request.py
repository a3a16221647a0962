"""What a core system asks for (``POST /v1/outreach``), validated: intake's own input."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictBool, StrictStr

from gateway.outreach.rendering import RESERVED_NAMES
from gateway.records.account_input import Ref, Strict
from policies.channels import AddressedChannel

Purpose = Literal["collection", "validation_notice", "transactional", "reply"]

Variable = StrictStr | int | float | StrictBool | None


def _no_reserved_variables(value: dict[str, Variable]) -> dict[str, Variable]:
    clash = sorted(RESERVED_NAMES & value.keys())
    if clash:
        raise ValueError(f"variables may not use the reserved names {clash}")
    return value


# A request's own template variables; Parley's (the account, the collector) are reserved.
Variables = Annotated[
    dict[str, Variable],
    Field(default_factory=dict, max_length=50),
    AfterValidator(_no_reserved_variables),
]


class OutreachIn(Strict):
    account_ref: Ref
    channel: Literal[AddressedChannel, "auto"]
    template: Annotated[StrictStr, Field(pattern=r"^[a-z0-9_]{1,100}$")]
    variables: Variables
    purpose: Purpose
