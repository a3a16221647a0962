"""The one place the gateway reads the wall clock (policies never do)."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


def iso(value: datetime | None) -> str | None:
    """UTC instant in API form, ``2026-11-22T13:45:00Z``; None stays None."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
