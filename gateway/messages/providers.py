"""The provider registry: which adapter serves each channel, built from settings.

A provider is a name (the value of ``PARLEY_PROVIDER_<CHANNEL>``), the channels it serves, what
it needs from settings, and how to build its adapter. Settings accept any registered name for a
channel it serves; adding a provider is one entry here and an adapter in ``channels/``.

Settings consult the registry when they load (every ``parley`` command does), so the adapters and
their SDKs are imported only when a provider is built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from policies.channels import CHANNELS

if TYPE_CHECKING:
    import aiohttp
    from twilio.rest import Client

    from channels.base import Provider
    from gateway.config import Settings

# Where Twilio reaches the gateway: the Twilio webhooks sub-application and its routes. The
# adapters hand these URLs to Twilio (status callbacks, a call's TwiML).
TWILIO_WEBHOOKS = "/webhooks/twilio"
SMS_ROUTE = "/sms"
STATUS_ROUTE = "/status"
VOICE_ROUTE = "/voice"
GATHER_ROUTE = "/voice/gather"
RECORDING_ROUTE = "/voice/recording"
CALL_STATUS_ROUTE = "/voice/status"
# Where SendGrid reaches the gateway: its two webhooks, each its own sub-application.
SENDGRID_EVENTS = "/webhooks/sendgrid/events"
SENDGRID_INBOUND = "/webhooks/sendgrid/inbound"


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """A registered provider: the channels it serves, the settings it needs, its factory."""

    channels: frozenset[str]
    build: Callable[[Settings, str, aiohttp.ClientSession], Provider]
    needs: Callable[[Settings, str], list[str]] = lambda _settings, _channel: []


def _console(settings: Settings, _channel: str, _session: aiohttp.ClientSession) -> Provider:
    from channels.console import ConsoleProvider

    return ConsoleProvider(
        settings.var_dir / "outbox" / "console.jsonl", echo=settings.console_echo
    )


def _twilio_needs(settings: Settings, channel: str) -> list[str]:
    names = ["twilio_account_sid", "twilio_auth_token", "public_url"]
    missing = [f"PARLEY_{name.upper()}" for name in names if getattr(settings, name) is None]
    if channel == "voice" and settings.twilio_from is None:
        missing.append("PARLEY_TWILIO_FROM")
    if settings.twilio_from is None and settings.twilio_messaging_service_sid is None:
        missing.append("PARLEY_TWILIO_FROM or PARLEY_TWILIO_MESSAGING_SERVICE_SID")
    return missing


def _twilio(settings: Settings, channel: str, session: aiohttp.ClientSession) -> Provider:
    from channels.twilio_sms import TwilioSmsProvider
    from channels.twilio_voice import TwilioVoiceProvider

    client = twilio_client(settings, session)

    def url(route: str) -> str:
        return settings.public_endpoint(TWILIO_WEBHOOKS + route)

    if channel == "sms":
        return TwilioSmsProvider(
            client,
            from_=settings.twilio_from,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            status_callback=url(STATUS_ROUTE),
        )
    assert settings.twilio_from is not None
    return TwilioVoiceProvider(
        client,
        from_=settings.twilio_from,
        answer_url=url(VOICE_ROUTE),
        status_callback=url(CALL_STATUS_ROUTE),
        machine_detection=settings.voice_machine_detection,
    )


def _sendgrid_needs(settings: Settings, _channel: str) -> list[str]:
    names = ["sendgrid_api_key", "sendgrid_from", "public_url", "sendgrid_webhook_public_key"]
    return [f"PARLEY_{name.upper()}" for name in names if getattr(settings, name) is None]


def _sendgrid(settings: Settings, _channel: str, session: aiohttp.ClientSession) -> Provider:
    from channels.sendgrid_email import SendGridEmailProvider
    from gateway.records.unsubscribe import unsubscribe_url

    assert settings.sendgrid_api_key is not None  # _sendgrid_needs checked these at start-up
    assert settings.sendgrid_from is not None
    base_url = settings.sendgrid_base_url
    return SendGridEmailProvider(
        session,
        api_key=settings.sendgrid_api_key.get_secret_value(),
        from_email=settings.sendgrid_from,
        from_name=settings.sendgrid_from_name or settings.collector_name,
        unsubscribe_url=lambda message_id: unsubscribe_url(settings, message_id),
        base_url=str(base_url) if base_url is not None else None,
        timeout=settings.sendgrid_timeout_seconds,
    )


def _web_chat(_settings: Settings, _channel: str, _session: aiohttp.ClientSession) -> Provider:
    from channels.web_chat import WebChatProvider

    return WebChatProvider()


REGISTRY: dict[str, ProviderSpec] = {
    # Development sink: prints and records every message (var/outbox/console.jsonl).
    "console": ProviderSpec(frozenset(CHANNELS), _console),
    "twilio": ProviderSpec(frozenset({"sms", "voice"}), _twilio, _twilio_needs),
    "sendgrid": ProviderSpec(frozenset({"email"}), _sendgrid, _sendgrid_needs),
    # The debtor portal's chat: a stored message is on the debtor's page (gateway.portal).
    "web_chat": ProviderSpec(frozenset({"chat"}), _web_chat),
}


def configuration_problems(settings: Settings) -> list[str]:
    """What is wrong with the providers settings name, one sentence each (empty: all good)."""
    problems = []
    for channel in CHANNELS:
        name = settings.provider_name(channel)
        spec = REGISTRY.get(name)
        if spec is None or channel not in spec.channels:
            serving = sorted(n for n, s in REGISTRY.items() if channel in s.channels)
            problems.append(
                f"PARLEY_PROVIDER_{channel.upper()}: {name!r} is not a {channel} provider "
                f"(one of: {', '.join(serving)})"
            )
        elif missing := spec.needs(settings, channel):
            problems.append(f"the {name} provider needs {', '.join(dict.fromkeys(missing))}")
    return list(dict.fromkeys(problems))


def build_providers(settings: Settings, session: aiohttp.ClientSession) -> dict[str, Provider]:
    """One adapter per channel, as configured; those that call out share ``session``."""
    return {
        channel: REGISTRY[settings.provider_name(channel)].build(settings, channel, session)
        for channel in CHANNELS
    }


def twilio_client(settings: Settings, session: aiohttp.ClientSession) -> Client:
    """The twilio SDK client for the configured account, on ``session``."""
    from channels.twilio_http import build_client

    assert settings.twilio_account_sid is not None  # _twilio_needs checked these at start-up
    assert settings.twilio_auth_token is not None
    base_url = settings.twilio_base_url
    return build_client(
        session,
        settings.twilio_account_sid,
        settings.twilio_auth_token.get_secret_value(),
        base_url=str(base_url) if base_url is not None else None,
        timeout=settings.twilio_timeout_seconds,
    )
