"""What a core system asks for (``POST /v1/outreach``), validated: intake's own input."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictStr, field_validator

from gateway.outreach.rendering import RESERVED_NAMES
from gateway.records.account_input import Ref, Strict
from policies.channels import AddressedChannel

Purpose = Literal["collection", "validation_notice", "transactional", "reply"]

Variable = StrictStr | int | float | StrictBool | None


class OutreachIn(Strict):
    account_ref: Ref
    channel: Literal[AddressedChannel, "auto"]
    template: Annotated[StrictStr, Field(pattern=r"^[a-z0-9_]{1,100}$")]
    variables: Annotated[dict[str, Variable], Field(default_factory=dict, max_length=50)]
    purpose: Purpose

    @field_validator("variables")
    @classmethod
    def _no_reserved_variables(cls, value: dict[str, Variable]) -> dict[str, Variable]:
        clash = sorted(RESERVED_NAMES & value.keys())
        if clash:
            raise ValueError(f"variables may not use the reserved names {clash}")
        return value
