"""Choosing the channel adapter for each channel from settings."""

from __future__ import annotations

import aiohttp

from channels.base import Provider
from channels.console import ConsoleProvider
from channels.twilio_http import build_client
from channels.twilio_sms import TwilioSmsProvider
from channels.twilio_voice import TwilioVoiceProvider
from gateway.config import Settings

STATUS_PATH = "/webhooks/twilio/status"
VOICE_PATH = "/webhooks/twilio/voice"
CALL_STATUS_PATH = "/webhooks/twilio/voice/status"


def build_providers(settings: Settings, session: aiohttp.ClientSession) -> dict[str, Provider]:
    """One provider per channel, as configured; Twilio's share ``session``."""
    outbox = settings.var_dir / "outbox" / "console.jsonl"
    console = ConsoleProvider(outbox, echo=settings.console_echo)
    providers: dict[str, Provider] = {"email": console}
    twilio = None
    if "twilio" in (settings.provider_sms, settings.provider_voice):
        assert settings.twilio_account_sid is not None  # settings validated these together
        assert settings.twilio_auth_token is not None
        base_url = settings.twilio_base_url
        twilio = build_client(
            session,
            settings.twilio_account_sid,
            settings.twilio_auth_token.get_secret_value(),
            base_url=str(base_url) if base_url is not None else None,
            timeout=settings.twilio_timeout_seconds,
        )
    if settings.provider_sms == "twilio":
        providers["sms"] = TwilioSmsProvider(
            twilio,
            from_=settings.twilio_from,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            status_callback=settings.public_endpoint(STATUS_PATH),
        )
    else:
        providers["sms"] = console
    if settings.provider_voice == "twilio":
        assert settings.twilio_from is not None
        providers["voice"] = TwilioVoiceProvider(
            twilio,
            from_=settings.twilio_from,
            answer_url=settings.public_endpoint(VOICE_PATH),
            status_callback=settings.public_endpoint(CALL_STATUS_PATH),
            machine_detection=settings.voice_machine_detection,
        )
    else:
        providers["voice"] = console
    return providers
