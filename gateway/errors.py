"""Parley's exception tree; mapped to HTTP responses only at the edge (middleware)."""

from __future__ import annotations

from typing import Any


class ParleyError(Exception):
    """Base of every error Parley raises on purpose."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, details: Any = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code

    def to_body(self) -> dict[str, Any]:
        """The JSON error body of the HTTP contract."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class ConfigError(ParleyError):
    """Settings or environment make it impossible to start."""

    code = "config_error"


class BotError(ParleyError):
    """The assistant could not be trained or its processes did not start; the message says why."""

    code = "bot_error"


class NotMigratedError(ConfigError):
    """The database schema is not at the latest migration."""

    code = "not_migrated"


class BadRequest(ParleyError):
    status = 400
    code = "bad_request"


class Unauthorized(ParleyError):
    status = 401
    code = "unauthorized"


class Forbidden(ParleyError):
    """Authenticated, but not allowed this (the bot asking about an unverified debtor)."""

    status = 403
    code = "forbidden"


class NotFound(ParleyError):
    status = 404
    code = "not_found"


class Conflict(ParleyError):
    status = 409
    code = "conflict"


class ValidationFailed(ParleyError):
    """Input is well-formed JSON but breaks the contract; ``details`` names the fields."""

    status = 422
    code = "validation_failed"


class TemplateError(ParleyError):
    """A message template is missing, broken, or lacks a required disclosure."""

    status = 422
    code = "template_error"


class TooManyRequests(ParleyError):
    """Too many attempts in a short time (failed logins); try again later."""

    status = 429
    code = "too_many_requests"


class PayloadTooLarge(ParleyError):
    """The request body is larger than the route accepts."""

    status = 413
    code = "payload_too_large"


class Unavailable(ParleyError):
    """A store Parley needs failed for now; the caller should try again (a provider retries)."""

    status = 503
    code = "unavailable"
