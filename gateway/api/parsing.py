"""Turning request bodies into validated models, with errors that name the field."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from gateway.api.schemas import normalise_address
from gateway.errors import ValidationFailed

M = TypeVar("M", bound=BaseModel)


def field_errors(exc: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    """Pydantic errors as ``[{"field": "debtor.timezone", "message": ...}]``."""
    out = []
    for error in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in error["loc"] if p not in {"function-after"})
        message = error["msg"].removeprefix("Value error, ")
        out.append(
            {"field": prefix + loc if loc else prefix.rstrip(".") or "body", "message": message}
        )
    return out


async def read_body(request: web.Request) -> Any:
    """The request's JSON document; malformed JSON is a 422 naming the body."""
    raw = await request.read()
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(
            "the request body is not valid JSON",
            details=[{"field": "body", "message": str(exc)}],
            code="malformed_json",
        ) from None


def validate(model: type[M], data: Any, prefix: str = "") -> M:
    """Validate data against a request model or raise a 422 listing every bad field."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            "the request body must be a JSON object",
            details=[{"field": prefix.rstrip(".") or "body", "message": "expected an object"}],
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = field_errors(exc, prefix)
        raise ValidationFailed(
            f"invalid field {details[0]['field']}: {details[0]['message']}", details=details
        ) from None


def parse_address(channel: str, address: str, field: str) -> str:
    """A contact address in normal form (E.164, normalised email) or a 422 naming the field."""
    try:
        return normalise_address(channel, address)
    except ValueError as exc:
        raise ValidationFailed(
            f"invalid field {field}: {exc}", details=[{"field": field, "message": str(exc)}]
        ) from None


async def read_model(request: web.Request, model: type[M]) -> M:
    """Read and validate a request body in one step."""
    return validate(model, await read_body(request))
