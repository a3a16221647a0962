"""The checks after a run: every batch answered, each distinct event stored once, the emails
delivered, the answers' counts.

Read from the gateway's database once it has stopped. With no failed batch every count must
match exactly; after a failed batch (rolled back as a whole, for SendGrid to post again) the
other checks allow its events to be missing or, when a later batch repeated one, present.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bench.sendgrid_events.results import DatabaseRun
from gateway.db.engine import create_engine
from gateway.db.tables import messages, outreach, provider_events


async def check(url: str, run: DatabaseRun) -> dict[str, bool]:
    """The checks by name (True: passed); their counts go to ``run.facts``."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            stored_rows = list(
                await conn.scalars(
                    select(provider_events.c.event_id).where(
                        provider_events.c.provider == "sendgrid"
                    )
                )
            )
            delivered = set(
                await conn.scalars(select(messages.c.id).where(messages.c.status == "delivered"))
            )
            outreach_delivered = int(
                await conn.scalar(select(func.count()).where(outreach.c.status == "delivered")) or 0
            )
    finally:
        await engine.dispose()
    stored = set(stored_rows)
    answered = frozenset().union(*(b.event_ids for b in run.answered))
    sent = frozenset().union(*(b.event_ids for b in run.sent))
    should_deliver = frozenset().union(*(b.delivered for b in run.answered))
    may_deliver = frozenset().union(*(b.delivered for b in run.sent))
    posted = sum(b.events for b in run.answered)
    run.facts = {
        "batches sent": len(run.sent),
        "batches answered": len(run.answered),
        "events posted": posted,
        "distinct events": len(answered),
        "events stored": len(stored_rows),
        "emails delivered": len(delivered),
        "delivered events": len(should_deliver),
        "outreach delivered": outreach_delivered,
    }
    exact = run.errors == 0
    outcomes = run.outcomes
    checks = {
        "every distinct sg_event_id stored exactly once": len(stored_rows) == len(stored)
        and answered <= stored <= sent
        and (not exact or stored == answered),
        "every email with a delivered event is delivered, its outreach too": should_deliver
        <= delivered
        <= may_deliver
        and (not exact or delivered == should_deliver)
        and outreach_delivered == len(delivered),
        "the answers count every event once, repeats as duplicates": outcomes["unknown_message"]
        == 0
        and (
            not exact
            or (
                sum(outcomes.values()) == posted
                and outcomes["duplicate"] == posted - len(answered)
                and outcomes["advanced"] == len(should_deliver)
            )
        ),
    }
    return checks
