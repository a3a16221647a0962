"""Decisions per second of the pure policy engine on realistic facts, single-threaded.

    .venv/bin/python -m bench.policy_engine [--seconds 5] [--accounts 64] [--seed 7]
    .venv/bin/python -m bench.policy_engine --smoke   # about two seconds: proves it runs

Each account has 30 days of contact history (about 40 events over SMS, email and voice,
both directions, with conversations, voicemails and delivery outcomes), a phone number, a
ZIP code and a declared zone, some of them disagreeing (multi-zone consumers). Proposed
contacts cycle through channels and purposes at instants spread over the day, so allows,
quiet-hours defers, call-frequency and cap defers and blocks all occur.

As a same-run baseline it measures a trivial function doing the same plumbing with no
rules: building the ContactFacts from loaded rows (the gateway's side of a decision) and
returning an allowing Decision. The ratio says what the rules cost on top of that.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.portfolio import history_rows
from gateway.outreach.rulesets import load_ruleset
from policies import (
    ConsentState,
    ContactFacts,
    ContactRecord,
    Decision,
    MessageFacts,
    Outcome,
    evaluate,
)
from policies.engine import applicable_overlays

# (declared zone, ZIP, phone): agreeing and disagreeing signals.
PROFILES = (
    ("America/Chicago", "60601", "+13125550142"),
    ("America/New_York", "10001", "+12125550199"),
    ("America/Los_Angeles", "94103", "+14155550123"),
    ("America/New_York", "10001", "+14155550123"),  # moved east, kept the 415 number
    ("America/Denver", "80202", "+16025550110"),  # Denver and Phoenix
    ("America/Chicago", "77002", "+18005550100"),  # toll-free: no phone signal
)
START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
# Enough accounts for every kind of outcome (account 5 is disputed, 3 mostly called).
SMOKE_ACCOUNTS, SMOKE_SECONDS = 10, 0.1
PROPOSALS = (
    ("sms", "collection"),
    ("email", "collection"),
    ("voice", "collection"),
    ("sms", "reply"),
    ("voice", "validation_notice"),
    ("email", "transactional"),
)


def build_facts(
    rows: list[dict[str, Any]],
    profile: tuple[str, str, str],
    channel: str,
    purpose: str,
    disputed: bool = False,
) -> ContactFacts:
    """What the gateway does per decision: rows in, ContactFacts out."""
    zone, postal_code, phone = profile
    history = tuple(ContactRecord(**row) for row in rows)
    inbound = [r.at for r in history if r.direction == "inbound" and r.channel == channel]
    return ContactFacts(
        channel=channel,
        purpose=purpose,
        consent=ConsentState.GRANTED,
        timezones=(zone,),
        postal_code=postal_code,
        phones=(phone,),
        history=history,
        disputed=disputed,
        last_inbound_at=max(inbound, default=None),
        provenance="consumer_provided",
    )


def workload(accounts: int, seed: int) -> list[tuple[ContactFacts, datetime]]:
    """Every proposal for every account, with the instant it is judged at."""
    rng = random.Random(seed)
    cases = []
    for i in range(accounts):
        now = START + timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 24 * 60 - 1))
        rows = history_rows(rng, now, voice_heavy=i % 8 == 3)
        profile = PROFILES[i % len(PROFILES)]
        disputed = i % 10 == 5
        for channel, purpose in PROPOSALS:
            cases.append((build_facts(rows, profile, channel, purpose, disputed), now))
    return cases


def rate(
    label: str, fn: Callable[[Any, datetime], object], cases: list[Any], seconds: float
) -> float:
    """Calls per second: the best of five slices of `seconds`, to damp a noisy machine."""
    for args in cases:  # warm caches (ZIP index, zones, phones) outside the timing
        fn(*args)
    n, best = len(cases), 0.0
    for _ in range(5):
        count = 0
        started = time.perf_counter()
        deadline = started + seconds / 5
        while True:
            for i in range(500):
                fn(*cases[(count + i) % n])
            count += 500
            if time.perf_counter() >= deadline:
                break
        best = max(best, count / (time.perf_counter() - started))
    print(f"{label:<60} {best:>10,.0f} /s")
    return best


def main(argv: list[str] | None = None) -> int:
    """The command line: measure and print the rates and the ratios to the baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--accounts", type=int, default=64)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"{SMOKE_ACCOUNTS} accounts, {SMOKE_SECONDS:g} s per measurement: proves the "
        "benchmark runs, times nothing",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.accounts, args.seconds = SMOKE_ACCOUNTS, SMOKE_SECONDS

    ruleset = load_ruleset("reg_f_third_party")
    cases = workload(args.accounts, args.seed)
    records = sum(len(f.history) for f, _ in cases) / len(cases)
    outcomes = Counter(evaluate(f, now, ruleset).outcome.value for f, now in cases)
    rules = Counter(r.rule for f, now in cases for r in evaluate(f, now, ruleset).reasons)
    print(f"{len(cases)} proposed contacts, {records:.1f} history records each on average")
    print(f"outcomes: {dict(outcomes)}")
    print(f"reasons: {dict(rules)}")

    raw = [
        (
            [
                {"channel": r.channel, "direction": r.direction, "at": r.at, "outcome": r.outcome}
                for r in f.history
            ],
            (f.timezones[0], f.postal_code or "", f.phones[0]),
            f.channel,
            f.purpose,
            f.disputed,
            now,
        )
        for f, now in cases
    ]

    def baseline(row: Any, now: datetime) -> Decision:
        rows, profile, channel, purpose, disputed, _ = row
        build_facts(rows, profile, channel, purpose, disputed)
        return Decision(outcome=Outcome.ALLOW, not_before=None, reasons=())

    def build_and_evaluate(row: Any, now: datetime) -> Decision:
        rows, profile, channel, purpose, disputed, _ = row
        return evaluate(build_facts(rows, profile, channel, purpose, disputed), now, ruleset)

    print(f"single thread, {args.seconds:g} s per measurement")
    engine = rate(
        "evaluate(facts, now) on prebuilt facts",
        lambda f, now: evaluate(f, now, ruleset),
        cases,
        args.seconds,
    )
    voice = [(f, now) for f, now in cases if f.channel == "voice"]
    rate(
        "  of which voice only (call-frequency rule runs)",
        lambda f, now: evaluate(f, now, ruleset),
        voice,
        args.seconds,
    )
    base = rate(
        "baseline: build ContactFacts from rows + Decision, no rules",
        baseline,
        [(r, r[-1]) for r in raw],
        args.seconds,
    )
    full = rate(
        "build ContactFacts from rows + evaluate",
        build_and_evaluate,
        [(r, r[-1]) for r in raw],
        args.seconds,
    )
    print(f"evaluate alone vs baseline plumbing: {engine / base:.2f}x the baseline rate")
    print(f"build + evaluate vs baseline plumbing: {full / base:.2f}x the baseline rate")
    print(f"target 20,000 pure decisions/s: {'met' if engine >= 20_000 else 'NOT met'}")

    # The compliance layer: state overlays for every region the consumer may be in, and the
    # text of the message checked for its disclosures, against the federal rules alone on
    # facts without a text (what every decision was before overlays and disclosures).
    federal = replace(ruleset, overlays=())
    texts = [(with_message(f), now) for f, now in cases]

    def engine_rate(label: str, rules: Any, judged: list[Any]) -> float:
        return rate(label, lambda f, now: evaluate(f, now, rules), judged, args.seconds)

    plain = engine_rate("federal rules, no text", federal, cases)
    overlaid = engine_rate("  + state overlays", ruleset, cases)
    # Where no overlay applies (Illinois, Texas, Colorado/Arizona): what the overlays cost
    # when they add nothing, apart from the rules they enforce elsewhere.
    unstated = [(f, now) for f, now in cases if not applicable_overlays(f, ruleset)]
    bare = engine_rate(
        f"federal rules, {len(unstated)} contacts no overlay applies to", federal, unstated
    )
    bare_overlaid = engine_rate("  + state overlays (none applies)", ruleset, unstated)
    checked = engine_rate("  + disclosure checks on the text (federal only)", federal, texts)
    deep = engine_rate("state overlays + disclosure checks on the text", ruleset, texts)
    print(
        f"overlays where none applies vs federal alone: {bare_overlaid / bare:.2f}x the rate "
        f"({(bare / bare_overlaid - 1) * 100:.0f}% slower)"
    )
    for label, measured in (
        ("overlays", overlaid),
        ("disclosure checks", checked),
        ("overlays + disclosures", deep),
    ):
        print(
            f"{label} vs federal alone: {measured / plain:.2f}x the rate "
            f"({(plain / measured - 1) * 100:.0f}% slower; aim for both: at most 20%)"
        )
    return 0


# A reminder as the bundled SMS template renders it, with every disclosure it carries.
REMINDER = (
    "Parley Recovery Services: Hi Dana, about your Acme Bank account: call +18005550100 or "
    "reply here to talk about payment options. We are a debt collector attempting to collect "
    "a debt; any information obtained will be used for that purpose. Reply STOP to opt out."
)


def with_message(facts: ContactFacts) -> ContactFacts:
    """The facts with the text the message would carry (a reply has none to check)."""
    if facts.purpose == "reply":
        return facts
    kind = "collection" if facts.purpose == "collection" else facts.purpose
    return replace(facts, message=MessageFacts(REMINDER, kind, initial=False))


if __name__ == "__main__":
    sys.exit(main())
