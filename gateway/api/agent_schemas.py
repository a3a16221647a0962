"""Request bodies of the agent console's API (field names fixed by the design)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StrictStr

from gateway.errors import ValidationFailed
from gateway.records.account_input import Strict

Short = Annotated[StrictStr, Field(min_length=1, max_length=320)]
Text = Annotated[StrictStr, Field(min_length=1, max_length=1600)]
MAX_VALUE = 1000


class LoginIn(Strict):
    email: Short
    password: Annotated[StrictStr, Field(min_length=1, max_length=1024)]


class TextIn(Strict):
    """A reply or a private note."""

    text: Text


class AssignIn(Strict):
    agent_id: Annotated[StrictStr, Field(min_length=1, max_length=40)]


class CannedIn(Strict):
    title: Annotated[StrictStr, Field(min_length=1, max_length=100)]
    body: Text


def update_fields(body: Any) -> tuple[str, dict[str, str | None]]:
    """``{"kind", ...}``: the kind and its raw values (text, numbers or null), each named in
    the error when it is of another type or too long."""
    _need_object(body)
    kind = body.get("kind")
    if not isinstance(kind, str):
        raise ValidationFailed(
            "kind is required", details=[{"field": "kind", "message": "a string is required"}]
        )
    return kind, raw_values({key: value for key, value in body.items() if key != "kind"})


def raw_values(body: Any) -> dict[str, str | None]:
    """An object of raw update values (text, numbers or null), each named in the error when it
    is of another type or too long."""
    _need_object(body)
    values: dict[str, str | None] = {}
    for key, value in body.items():
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, str | int | float)
        ):
            raise ValidationFailed(
                f"invalid field {key}: expected text, a number or null",
                details=[{"field": key, "message": "expected text, a number or null"}],
            )
        text = None if value is None else str(value)
        if text is not None and len(text) > MAX_VALUE:
            raise ValidationFailed(
                f"invalid field {key}: at most {MAX_VALUE} characters",
                details=[{"field": key, "message": f"at most {MAX_VALUE} characters"}],
            )
        values[key] = text
    return values


def _need_object(body: Any) -> None:
    if not isinstance(body, dict):
        raise ValidationFailed(
            "the request body must be a JSON object",
            details=[{"field": "body", "message": "expected an object"}],
        )
