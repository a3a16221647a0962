"""``parley policy explain``: why an outreach was decided as it was, re-run on the same facts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.tables import audit_log
from gateway.errors import NotFound
from gateway.outreach.decisions import DECISION_EVENT
from gateway.outreach.rulesets import load_ruleset
from policies import evaluate, facts_from_dict
from policies.engine import applicable_overlays


@dataclass(frozen=True, slots=True)
class Explained:
    """One recorded decision about an outreach and the result of re-running it."""

    audit_id: int
    stage: str
    evaluated_at: datetime
    payload: dict[str, Any]
    rerun: dict[str, Any]
    ruleset_changed: bool
    # The state overlays that applied (every region the consumer may be in).
    states: tuple[str, ...] = ()

    @property
    def reproduced(self) -> bool:
        """The same facts at the same instant give the same decision today (on what the
        record holds: decisions recorded before warnings existed have none to compare)."""
        recorded = self.payload["decision"]
        return all(self.rerun.get(key) == value for key, value in recorded.items())


async def explain(conn: AsyncConnection, outreach_id: str) -> list[Explained]:
    """Every policy decision recorded for an outreach, oldest first, each re-evaluated."""
    rows = await conn.execute(
        select(audit_log.c.id, audit_log.c.payload)
        .where(audit_log.c.subject == outreach_id, audit_log.c.event == DECISION_EVENT)
        .order_by(audit_log.c.id)
    )
    explained = []
    for row in rows:
        payload = json.loads(row.payload)
        at = datetime.fromisoformat(payload["evaluated_at"])
        ruleset = load_ruleset(payload["ruleset"]["name"])
        facts = facts_from_dict(payload["facts"])
        decision = evaluate(facts, at, ruleset)
        explained.append(
            Explained(
                audit_id=row.id,
                stage=payload["stage"],
                evaluated_at=at,
                payload=payload,
                rerun=decision.to_dict(),
                ruleset_changed=_changed(ruleset.ref(), payload["ruleset"]),
                states=tuple(o.region for o in applicable_overlays(facts, ruleset)),
            )
        )
    if not explained:
        raise NotFound(f"no policy decisions are recorded for outreach {outreach_id!r}")
    return explained


def render(outreach_id: str, explained: list[Explained]) -> str:
    """The explanation as text for a compliance officer."""
    lines = [f"Outreach {outreach_id}: {len(explained)} decision(s)"]
    for e in explained:
        p, d, facts = e.payload, e.payload["decision"], e.payload["facts"]
        lines += [
            "",
            f"[{e.stage}] evaluated at {e.evaluated_at.isoformat()} under ruleset "
            f"{p['ruleset']['name']} ({p['ruleset']['digest'][:12]})"
            + (f" with the state rules of {', '.join(e.states)}" if e.states else ""),
            f"  {p.get('purpose', facts['purpose'])} by {p['channel']} to "
            f"{p['address'] or 'no contact point'}: {d['outcome'].upper()}"
            + (f" until {d['not_before']}" if d["not_before"] else ""),
        ]
        lines += [f"  - {r['rule']}: {r['message']} [{r['citation']}]" for r in d["reasons"]]
        lines += [
            f"  ! warning {r['rule']}: {r['message']} [{r['citation']}]"
            for r in d.get("warnings", [])
        ]
        if message := facts.get("message"):
            when = "initial" if message["initial"] else "subsequent"
            lines.append(f"  message: {when} {message['kind']} communication, text checked")
        holds = [
            k
            for k in ("do_not_contact", "cease_communication", "disputed", "attorney_represented")
            if facts.get(k)
        ]
        lines.append(
            f"  facts: consent {facts['consent']}; declared zones {facts['timezones'] or 'none'}; "
            f"postal code {facts.get('postal_code') or 'none'}; "
            f"{len(facts.get('history', []))} contact records; holds {holds or 'none'}"
        )
        verdict = "same decision" if e.reproduced else f"DIFFERENT decision: {e.rerun}"
        note = " (the ruleset file has changed since)" if e.ruleset_changed else ""
        lines.append(f"  re-run on the recorded facts: {verdict}{note}")
    return "\n".join(lines)


def _changed(current: dict[str, Any], recorded: dict[str, Any]) -> bool:
    if current["digest"] != recorded["digest"]:
        return True
    # Decisions recorded before state overlays existed name none.
    return "overlays" in recorded and current["overlays"] != recorded["overlays"]
