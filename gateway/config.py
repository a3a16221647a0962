"""One frozen settings object, built from ``PARLEY_*`` environment variables (and ``.env``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    Field,
    HttpUrl,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from gateway.errors import ConfigError
from policies.channels import AddressedChannel

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/parley.db"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# Captured facts that may hand the conversation to an agent (a "handoff" always does).
EscalatingKind = Literal["hardship", "dispute", "payment_plan_request", "already_paid"]


class Settings(BaseSettings):
    """Everything Parley reads from its environment; immutable once built."""

    model_config = SettingsConfigDict(
        env_prefix="PARLEY_", env_file=".env", extra="ignore", frozen=True
    )

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    public_url: HttpUrl | None = None
    api_tokens: Annotated[tuple[SecretStr, ...], NoDecode] = ()
    var_dir: Path = Path("var")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    collector_name: str = "Parley Recovery Services"
    collector_phone: str = "+18005550100"
    collector_email: str = "support@parley.example"
    # The collector's California debt collector license number, which California asks for
    # on written and digital messages (Civ. Code 1788.11(f)); without it, none go to California.
    collector_ca_license: str | None = None
    auto_channel_order: Annotated[tuple[AddressedChannel, ...], NoDecode] = (
        "sms",
        "email",
        "voice",
    )
    identity_key: SecretStr = SecretStr("parley-dev-identity-key")
    ruleset: Literal["reg_f_third_party", "first_party_creditor"] | None = None
    batch_max_items: int = Field(default=1000, ge=1, le=10_000)

    # Any provider registered for the channel (gateway.messages.providers.REGISTRY).
    provider_sms: str = "console"
    provider_email: str = "console"
    provider_voice: str = "console"
    provider_chat: str = "web_chat"
    console_echo: bool = True

    send_max_tries: int = Field(default=8, ge=1)
    send_retry_base_seconds: float = Field(default=5.0, gt=0)
    requeue_after_seconds: int = Field(default=300, ge=10)
    worker_max_jobs: int = Field(default=20, ge=1)
    # How often an idle worker asks Redis for due jobs; arq's 0.5 s would dominate a bot turn.
    worker_poll_delay_seconds: float = Field(default=0.005, gt=0, le=5)

    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_base_url: HttpUrl | None = None
    twilio_timeout_seconds: float = Field(default=10.0, gt=0)
    # Behind a reverse proxy, webhook signatures are checked against X-Forwarded-Proto/-Host.
    trust_proxy: bool = False
    # Where "talk to an agent" goes: an E.164 number, or "queue:<name>" for a Twilio queue.
    voice_agent_dial: str | None = None
    # The natural person a limited-content voicemail names (12 CFR 1006.2(j)(1)(iii)).
    voice_contact_name: str = "Alex Morgan"
    # The business name a voicemail may use: one that does not say "debt collection".
    voice_business_name: str = "Parley Services"
    voice_machine_detection: bool = True
    # Below this, speech in the IVR is asked again instead of acted on.
    voice_speech_min_confidence: float = Field(default=0.4, ge=0, le=1)
    sendgrid_api_key: SecretStr | None = None
    sendgrid_from: str | None = None
    sendgrid_from_name: str | None = None
    sendgrid_base_url: HttpUrl | None = None
    sendgrid_timeout_seconds: float = Field(default=10.0, gt=0)
    # Signed Event Webhook and signed Inbound Parse: base64 DER P-256 public keys.
    sendgrid_webhook_public_key: str | None = None
    sendgrid_inbound_public_key: str | None = None
    # Basic credentials in the Inbound Parse URL, for an account without signed Inbound Parse.
    sendgrid_inbound_user: str | None = None
    sendgrid_inbound_password: SecretStr | None = None
    # Signs the per-message unsubscribe links of emails (RFC 8058 one-click).
    unsubscribe_key: SecretStr = SecretStr("parley-dev-unsubscribe-key")
    # Files that come with inbound email (a dispute letter): what is kept, the rest refused.
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    attachment_types: Annotated[tuple[str, ...], NoDecode] = (
        "application/pdf",
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/heic",
        "image/tiff",
        "text/plain",
    )
    core_webhook_url: HttpUrl | None = None
    core_webhook_secret: SecretStr | None = None
    core_webhook_max_tries: int = Field(default=12, ge=1)
    core_webhook_timeout_seconds: float = Field(default=10.0, gt=0)

    # The assistant: the Rasa server, the action server that calls /v1/bot/..., and the bot API.
    rasa_url: HttpUrl = HttpUrl("http://127.0.0.1:5005")
    rasa_timeout_seconds: float = Field(default=15.0, gt=0)
    actions_port: int = Field(default=5055, ge=0, le=65535)
    bot_venv: Path = Path(".venv-bot")
    bot_start: bool = True
    bot_token: SecretStr = SecretStr("parley-dev-bot-token")
    bot_verification_fact: Literal["date_of_birth", "postal_code"] = "date_of_birth"
    bot_verify_attempts: int = Field(default=3, ge=1, le=10)
    bot_escalate_on: Annotated[tuple[EscalatingKind, ...], NoDecode] = ("hardship",)
    bot_date_horizon_days: int = Field(default=30, ge=1, le=365)
    bot_unavailable_escalate_seconds: int = Field(default=300, ge=10)
    conversation_timeout_minutes: int = Field(default=1440, ge=1)

    # The agent console: how long a session lives without a request.
    agent_session_idle_minutes: int = Field(default=30, ge=1, le=1440)

    # The debtor portal: how long a link works, how long a session lives without a request, and
    # the core system's payment page ("{account_ref}" is filled in; Parley takes no card data).
    portal_link_hours: int = Field(default=72, ge=1, le=24 * 90)
    portal_session_idle_minutes: int = Field(default=15, ge=1, le=240)
    payment_url: str | None = None

    # Voicemail and call-recording transcription, on its own worker queue. The models are read
    # from disk (default: the pinned packages' copies); nothing is downloaded.
    whisper_model: Path | None = None
    spacy_model: Path | None = None
    # One thread: as fast through a backlog as two (measured), and it leaves a core to the rest.
    transcription_threads: int = Field(default=1, ge=1, le=64)
    transcription_max_jobs: int = Field(default=1, ge=1, le=16)
    # The transcription worker yields the CPU to the gateway, the workers and Rasa (Unix nice):
    # a backlog of recordings waits rather than slowing conversations.
    transcription_nice: int = Field(default=10, ge=0, le=19)
    # Updates read from a transcript below this wait for an agent in the review queue.
    transcript_min_confidence: float = Field(default=0.6, ge=0, le=1)
    recording_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    recording_max_seconds: int = Field(default=900, ge=10, le=4 * 3600)
    recording_fetch_timeout_seconds: float = Field(default=60.0, gt=0)
    # Delete a voicemail at Twilio once it is transcribed; keep the audio Parley holds.
    twilio_delete_recordings: bool = False
    keep_audio: bool = False

    @field_validator(
        "api_tokens", "auto_channel_order", "bot_escalate_on", "attachment_types", mode="before"
    )
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("payment_url")
    @classmethod
    def _payment_page(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("https://", "http://")) or "{account_ref}" not in value:
            raise ValueError("must be an http(s) URL containing {account_ref}")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _known_redis(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @model_validator(mode="after")
    def _providers_usable(self) -> Settings:
        # Imported here: the registry builds adapters from settings, so it imports this module.
        from gateway.messages.providers import configuration_problems

        if problems := configuration_problems(self):
            raise ValueError("; ".join(problems))
        return self

    @property
    def redis_dsn(self) -> str:
        """The Redis to use; without PARLEY_REDIS_URL, the conventional local one."""
        return self.redis_url or DEFAULT_REDIS_URL

    @property
    def collector(self) -> dict[str, str]:
        """Collector identification for templates (15 U.S.C. 1692e(11))."""
        return {
            "name": self.collector_name,
            "phone": self.collector_phone,
            "email": self.collector_email,
            # For limited-content messages (12 CFR 1006.2(j)): a neutral name and a person.
            "business_name": self.voice_business_name,
            "contact_name": self.voice_contact_name,
        }

    def provider_name(self, channel: str) -> str:
        """The provider configured for a channel (what outbound messages record)."""
        return str(getattr(self, f"provider_{channel}"))

    def public_endpoint(self, path: str) -> str:
        """The address Twilio is told to call for ``path`` (PARLEY_PUBLIC_URL + path)."""
        base = str(self.public_url or f"http://{self.host}:{self.port}").rstrip("/")
        return base + path

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies are sent only over HTTPS (PARLEY_PUBLIC_URL is https)."""
        return self.public_url is not None and self.public_url.scheme == "https"

    @property
    def is_sqlite(self) -> bool:
        """True when the system of record is a SQLite file."""
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment; a bad value raises ConfigError naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            if error["loc"]:
                problems.append(f"PARLEY_{str(error['loc'][0]).upper()}: {error['msg']}")
            else:  # a rule across several settings names them in its message
                problems.append(str(error["msg"]).removeprefix("Value error, "))
        raise ConfigError("invalid settings: " + "; ".join(problems)) from None
