"""Settings: environment variables in, one frozen object out, clear errors."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.config import DEFAULT_DATABASE_URL, load_settings
from gateway.errors import ConfigError
from gateway.messages.providers import REGISTRY
from policies.channels import CHANNELS


def test_defaults_are_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.redis_dsn == "redis://127.0.0.1:6379/0"
    assert settings.api_tokens == ()


def test_environment_is_read_and_tokens_split(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_API_TOKENS", "one, two ,")
    monkeypatch.setenv("PARLEY_PORT", "9000")
    monkeypatch.setenv("PARLEY_AUTO_CHANNEL_ORDER", "email,sms")
    settings = load_settings()
    assert [t.get_secret_value() for t in settings.api_tokens] == ["one", "two"]
    assert settings.port == 9000
    assert settings.auto_channel_order == ("email", "sms")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PARLEY_PORT", "eighty"),
        ("PARLEY_DATABASE_URL", "mysql://localhost/parley"),
        ("PARLEY_REDIS_URL", "http://localhost"),
        ("PARLEY_AUTO_CHANNEL_ORDER", "sms,pigeon"),
        ("PARLEY_LOG_LEVEL", "LOUD"),
        ("PARLEY_PROVIDER_SMS", "pigeon"),  # no such provider
        ("PARLEY_PROVIDER_EMAIL", "twilio"),  # a provider, but not of email
        ("PARLEY_PROVIDER_CHAT", "twilio"),
        ("PARLEY_PAYMENT_URL", "https://pay.example.com/no-placeholder"),
        ("PARLEY_PAYMENT_URL", "javascript:alert(1)//{account_ref}"),
        ("PARLEY_PORTAL_LINK_HOURS", "0"),
    ],
)
def test_bad_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert variable in caught.value.message


def test_settings_are_frozen() -> None:
    settings = load_settings()
    with pytest.raises(ValidationError):
        settings.port = 1  # type: ignore[misc]


def test_a_provider_setting_takes_any_provider_registered_for_the_channel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    defaults = {channel: load_settings().provider_name(channel) for channel in CHANNELS}
    assert defaults == {
        "sms": "console",
        "email": "console",
        "voice": "console",
        "chat": "web_chat",
    }
    for channel in CHANNELS:
        serving = [name for name, spec in REGISTRY.items() if channel in spec.channels]
        for name in serving:
            if REGISTRY[name].needs(load_settings(), channel):
                continue  # tested below: a provider that needs credentials says which
            monkeypatch.setenv(f"PARLEY_PROVIDER_{channel.upper()}", name)
            assert load_settings().provider_name(channel) == name
            monkeypatch.delenv(f"PARLEY_PROVIDER_{channel.upper()}")


def test_a_provider_without_its_settings_names_what_it_needs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PARLEY_PROVIDER_VOICE", "twilio")
    monkeypatch.setenv("PARLEY_TWILIO_MESSAGING_SERVICE_SID", "MG1")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = caught.value.message
    for variable in ("PARLEY_TWILIO_ACCOUNT_SID", "PARLEY_PUBLIC_URL", "PARLEY_TWILIO_FROM"):
        assert variable in message
