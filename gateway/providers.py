"""Choosing the channel adapter for each channel from settings."""

from __future__ import annotations

from channels.base import Provider
from channels.console import ConsoleProvider
from gateway.settings import Settings


def build_providers(settings: Settings) -> dict[str, Provider]:
    """One provider per channel, as configured."""
    outbox = settings.var_dir / "outbox" / "console.jsonl"
    console = ConsoleProvider(outbox, echo=settings.console_echo)
    chosen = {
        "sms": settings.provider_sms,
        "email": settings.provider_email,
        "voice": settings.provider_voice,
    }
    return {channel: console for channel, name in chosen.items() if name == "console"}
