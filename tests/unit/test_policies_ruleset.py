"""Rulesets: the bundled YAML files, what each one sets, and how far back they read history."""

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from rulesets import BUNDLED, RULESET_DIR, bundled, bundled_path

from policies import CHANNELS, ConsentState, ContactFacts, ContactRecord, evaluate
from policies.rule_settings import ChannelCap
from policies.ruleset import RULE_NAMES


def test_bundled_rulesets() -> None:
    # Every bundled file is one the tests load, so none goes unchecked.
    assert sorted(path.stem for path in RULESET_DIR.glob("*.yaml")) == sorted(BUNDLED)
    for name in BUNDLED:
        ruleset = bundled(name)
        assert ruleset.name == name
        path = bundled_path(name)
        assert ruleset.path == str(path)
        assert ruleset.digest == hashlib.sha256(path.read_bytes()).hexdigest()
        assert ruleset.description


def test_reg_f_third_party_settings() -> None:
    r = bundled("reg_f_third_party")
    assert r.do_not_contact.enabled
    assert r.cease_communication.permitted_purposes == {"transactional"}
    assert (r.dispute_hold.enabled, r.dispute_hold.blocked_purposes) == (True, {"collection"})
    assert (r.attorney_represented.enabled, r.attorney_represented.permitted_purposes) == (
        True,
        frozenset(),
    )
    assert r.consent.express_consent_channels == {"sms", "voice"}
    assert (r.quiet_hours.window.start, r.quiet_hours.window.end) == (time(8), time(21))
    assert r.quiet_hours.channels == {"sms", "email", "voice", "chat"}
    cf = r.call_frequency
    assert (cf.enabled, cf.max_attempts, cf.window_days, cf.after_conversation_days) == (
        True,
        7,
        7,
        7,
    )
    assert cf.purposes == {"collection", "validation_notice", "transactional", "reply"}
    assert cf.count_unconnected is True
    assert r.channel_caps.purposes == {"collection"}
    assert r.channel_caps.limits == (ChannelCap("sms", 3, 7), ChannelCap("email", 5, 7))
    assert r.channel_caps.limit_for("voice") is None
    assert r.channel_caps.limit_for("chat") is None
    assert (r.reply.quiet_hours_grace_minutes, r.reply.channels) == (30, {"sms", "email", "chat"})
    ap = r.address_provenance
    assert (ap.enabled, ap.purposes) == (True, {"collection"})
    assert (ap.email_action, ap.email_safe_provenances) == (
        "block",
        {"consumer_provided", "consumer_used"},
    )
    assert (ap.sms_action, ap.sms_consumer_used_days) == ("warn", 60)
    assert r.work_address.enabled is True
    vn = r.validation_notice
    assert (vn.enabled, vn.due_days, vn.mode, vn.late_disputes_hold) == (True, 5, "send", False)
    assert r.time_barred.enabled is True


# Where the FDCPA and Regulation F bind debt collectors only. The disclosures differ as data:
# see test_policies_disclosures.
REG_F_ONLY = (
    "call_frequency",
    "dispute_hold",
    "disclosures",
    "address_provenance",
    "work_address",
    "validation_notice",
)


def test_first_party_creditor_differs_only_where_reg_f_does_not_bind() -> None:
    third, first = bundled("reg_f_third_party"), bundled("first_party_creditor")
    for name in ("call_frequency", "dispute_hold", "work_address", "validation_notice"):
        assert getattr(first, name).enabled is False, name
        assert getattr(third, name).enabled is True, name
    # Spelled out, so compliance can switch them on: the same settings otherwise.
    assert first.address_provenance == replace(third.address_provenance, enabled=False)
    assert first.validation_notice == replace(third.validation_notice, enabled=False)
    for name in RULE_NAMES:
        if name not in REG_F_ONLY:
            assert getattr(first, name) == getattr(third, name), name


@pytest.mark.parametrize("name", BUNDLED)
@pytest.mark.parametrize("hours", [0, 5, 13, 20])
@pytest.mark.parametrize("channel", CHANNELS)
def test_history_older_than_the_lookback_never_changes_a_decision(
    name: str, hours: int, channel: str
) -> None:
    ruleset = bundled(name)
    now = datetime(2026, 3, 10, hours, 30, tzinfo=UTC)
    history = tuple(
        ContactRecord(ch, "outbound", now - timedelta(days=d, hours=h), outcome)
        for d in range(40)
        for h, ch, outcome in (
            (2, "voice", "conversation" if d % 9 == 0 else "no_answer"),
            (5, "sms", "delivered"),
            (7, "email", "sent"),
            (9, "chat", "delivered"),
        )
    )
    since = now - timedelta(days=ruleset.lookback_days)
    full = ContactFacts(
        channel=channel,
        purpose="collection",
        consent=ConsentState.GRANTED,
        timezones=("America/Chicago",),
        history=history,
    )
    trimmed = replace(full, history=tuple(r for r in history if r.at >= since))
    assert len(trimmed.history) < len(full.history)
    assert evaluate(trimmed, now, ruleset) == evaluate(full, now, ruleset)
