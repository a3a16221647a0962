"""The audit hash is a fixed function of the row: pinned by known vectors."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.records.audit import GENESIS, canonical_json, row_hash

AT = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def test_canonical_json_sorts_keys_and_drops_spaces() -> None:
    assert canonical_json({"b": 1, "a": [1, "é"]}) == '{"a":[1,"é"],"b":1}'


def test_row_hash_vector() -> None:
    digest = row_hash(
        GENESIS, "account:A-1", 1, AT, "consent.granted", "sms:+14155550123", '{"source":"api"}'
    )
    # Recomputed independently: sha256("0"*64 + "\n" + sorted compact JSON of the header
    # (at, chain_key, event, seq, subject) + "\n" + the payload text).
    assert digest == "a15fad87b41151bfb27c230041c8506659f2fdef462e676ee36613373f685b79"


def test_every_field_changes_the_hash() -> None:
    base = (GENESIS, "account:A-1", 1, AT, "consent.granted", "sms:+1", "{}")
    reference = row_hash(*base)
    for i, other in enumerate(
        (
            "1" * 64,
            "account:A-2",
            2,
            AT.replace(microsecond=0),
            "consent.revoked",
            "sms:+2",
            '{"x":1}',
        )
    ):
        changed = list(base)
        changed[i] = other
        assert row_hash(*changed) != reference
