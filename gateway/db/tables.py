"""The system of record, as SQLAlchemy Core tables (one schema for SQLite and PostgreSQL).

Every table is importable from here; the messages', the agents', the calls', the attachments',
the audit trail's, the portal's and the recordings' live in ``message_tables``, ``agent_tables``,
``call_tables``, ``attachment_tables``, ``audit_tables``, ``portal_tables`` and
``recording_tables``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from gateway.db.agent_tables import agents, canned_responses, conversation_notes
from gateway.db.attachment_tables import attachments
from gateway.db.audit_tables import audit_heads, audit_log
from gateway.db.base import Id, metadata, one_of
from gateway.db.call_tables import calls
from gateway.db.message_tables import messages, provider_events, timeline
from gateway.db.portal_tables import portal_links
from gateway.db.recording_tables import recording_audio, recordings, transcript_reviews
from gateway.db.types import UTCDateTime
from gateway.outreach.statuses import OutreachStatus

__all__ = [
    "account_updates",
    "accounts",
    "agents",
    "attachments",
    "audit_heads",
    "audit_log",
    "calls",
    "canned_responses",
    "consent_events",
    "contact_events",
    "contact_points",
    "conversation_notes",
    "conversations",
    "messages",
    "metadata",
    "outreach",
    "portal_links",
    "provider_events",
    "recording_audio",
    "recordings",
    "timeline",
    "transcript_reviews",
]


accounts = Table(
    "accounts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_ref", String(128), nullable=False, unique=True),
    Column("creditor", String(200), nullable=False),
    Column("collector_type", String(20), nullable=False),
    Column("balance_amount", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("debtor_name", String(200), nullable=False),
    Column("language", String(16), nullable=False, default="en"),
    Column("timezone", String(64)),
    Column("postal_code", String(16)),
    Column("dob_hash", String(64)),
    Column("cease_communication", Boolean, nullable=False, default=False),
    Column("disputed", Boolean, nullable=False, default=False),
    # The collector recorded the validation (verification) a dispute asks for: lifts the hold.
    Column("validation_recorded", Boolean, nullable=False, default=False, server_default=false()),
    Column("do_not_contact", Boolean, nullable=False, default=False),
    Column("attorney_represented", Boolean, nullable=False, default=False),
    Column("time_barred", Boolean, nullable=False, default=False, server_default=false()),
    Column("limitations_date", Date),
    # records.account_input.Itemization, for the validation notice (12 CFR 1006.34(c)(2)).
    Column("itemization", JSON),
    # 12 CFR 1006.34: the first communication in connection with the debt starts the clock for
    # the validation notice; when it was provided and by whom ("template" | "core").
    Column("first_communication_at", UTCDateTime),
    Column("validation_provided_at", UTCDateTime),
    Column("validation_source", String(20)),
    # When Parley queued its notice or asked the core system for one (done once per account).
    Column("validation_requested_at", UTCDateTime),
    # Hours the consumer said suit them ("HH:MM" local): a further limit inside quiet hours.
    Column("preferred_contact_start", String(5)),
    Column("preferred_contact_end", String(5)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

contact_points = Table(
    "contact_points",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("address", String(320), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("valid", Boolean, nullable=False, default=True),
    # Derived from consent_events; updated in the same transaction as every ledger row.
    Column("consent", String(10), nullable=False, default="missing"),
    Column("consent_source", String(20)),
    Column("consent_at", UTCDateTime),
    Column("position", Integer, nullable=False, default=0),
    # policies.facts.PROVENANCES; None: not recorded (before provenance was kept).
    Column("provenance", String(20)),
    Column("work_address", Boolean, nullable=False, default=False, server_default=false()),
    Column("consumer_used_at", UTCDateTime),
    Column("reassigned_check_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "channel", "address"),
)

consent_events = Table(
    "consent_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("address", String(320), nullable=False),
    Column("action", String(10), nullable=False),
    Column("source", String(20), nullable=False),
    Column("evidence", String(200)),
    Column("at", UTCDateTime, nullable=False),
    Index(None, "account_id", "channel", "address"),
)

contact_events = Table(
    "contact_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("direction", String(10), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("source", String(20), nullable=False),
    Column("address", String(320)),
    Column("external_id", String(128)),
    Column("message_id", String(40)),
    UniqueConstraint("account_id", "external_id"),
    Index(None, "account_id", "channel", "at"),
    # A delivery report settles the history row of its message.
    Index(None, "message_id"),
)

outreach = Table(
    "outreach",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("idempotency_key", String(255), nullable=False, unique=True),
    Column("request_hash", String(64), nullable=False),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("resolved_channel", String(10)),
    Column("address", String(320)),
    Column("template", String(100), nullable=False),
    Column("variables", JSON, nullable=False),
    Column("purpose", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("decision", JSON, nullable=False),
    Column("not_before", UTCDateTime),
    Column("response", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "status", "updated_at"),
    Index(None, "account_id"),
    CheckConstraint(one_of("status", OutreachStatus), name="status"),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE")),
    Column("channel", String(10), nullable=False),
    # The consumer's address on the channel: replies go back to where the consumer wrote from.
    Column("address", String(320)),
    Column("state", String(20), nullable=False),
    Column("assigned_agent", ForeignKey("agents.id", ondelete="SET NULL")),
    # When it last went to the agent queue; and when an agent last read it (what is unread).
    Column("waiting_since", UTCDateTime),
    Column("agent_seen_at", UTCDateTime),
    Column("verified_at", UTCDateTime),
    Column("verify_attempts", Integer, nullable=False, default=0, server_default="0"),
    Column("escalation_reason", String(200)),
    Column("last_inbound_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "account_id", "channel"),
    Index(None, "channel", "address"),
)

account_updates = Table(
    "account_updates",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("source", String(20), nullable=False),
    Column("confidence", Float),
    Column("data", JSON, nullable=False),
    Column("conversation_id", ForeignKey("conversations.id", ondelete="SET NULL")),
    Column("message_id", ForeignKey("messages.id", ondelete="SET NULL")),
    Column("agent_id", ForeignKey("agents.id", ondelete="SET NULL")),
    Column("recording_id", ForeignKey("recordings.id", ondelete="SET NULL")),
    Column("delivery_state", String(20), nullable=False, default="pending"),
    Column("delivery_attempts", Integer, nullable=False, default=0),
    Column("delivered_at", UTCDateTime),
    Column("last_error", Text),
    # Set by callers that may repeat themselves (a bot action retried): one update per key.
    Column("dedupe_key", String(200), unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "account_id", "id"),
    Index(None, "delivery_state", "created_at"),
)
