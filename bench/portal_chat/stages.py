"""Where a chat turn's time goes: the socket's own timings split by the workers' log of its
bot-turn job and the time the worker marked the message answered."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bench.portal_chat.sockets import Turn
from bench.turn_probe import TurnProbe
from gateway.db.tables import messages

# arq's log line at a job's start (→) and end (←); a bot turn's job id names its message.
_JOB = re.compile(r"(?P<arrow>[→←]) turn:(?P<id>msg_[0-9a-f]+):bot_turn")
STAGES = (
    "message → stored and routed (ack)",
    "ack → bot-turn job starts (queue)",
    "job starts → Rasa has answered (reads, lock, Rasa)",
    "Rasa has answered → job ends (reply recorded, decided, sent)",
    "job ends → answer on the socket",
)


def job_times(log_dir: Path) -> dict[str, dict[str, float]]:
    """Wall-clock start (→) and end (←) of every bot-turn job, by message id, from the
    workers' logs (milliseconds resolution)."""
    jobs: dict[str, dict[str, float]] = {}
    for path in sorted(log_dir.glob("worker-*.log")):
        for line in path.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
                entry = json.loads(line)
                found = _JOB.search(entry["message"])
                if found:
                    at = datetime.fromisoformat(entry["at"]).timestamp()
                    times = jobs.setdefault(found["id"], {})
                    # The first start and the last end, should a job run again.
                    if found["arrow"] == "←" or "→" not in times:
                        times[found["arrow"]] = at
    return jobs


async def answered_at(probe: TurnProbe, turns: Sequence[Turn]) -> dict[str, float]:
    """When the worker marked each message answered: the moment Rasa's answer came back (the
    turn's transaction stamps it first), as a wall-clock time."""
    ids = [turn.message_id for turn in turns]
    async with probe.engine.connect() as conn:
        rows = await conn.execute(
            select(messages.c.id, messages.c.updated_at).where(messages.c.id.in_(ids))
        )
        stamps = {str(row.id): row.updated_at for row in rows}
    return {
        key: (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp() for key, at in stamps.items()
    }


def stages(
    turns: Sequence[Turn], log_dir: Path, answered: dict[str, float]
) -> dict[str, list[float]]:
    """Where each answered chat turn spent its time, in ms: the socket's own timings split by
    the worker's log of its bot-turn job and the message's answered time."""
    jobs = job_times(log_dir)
    found: dict[str, list[float]] = {name: [] for name in STAGES}
    for turn in turns:
        job, rasa = jobs.get(turn.message_id, {}), answered.get(turn.message_id)
        if turn.ack is None or turn.reply is None or rasa is None or len(job) < 2:
            continue
        acked, shown = turn.sent + turn.ack, turn.sent + turn.reply
        spans = (turn.ack, job["→"] - acked, rasa - job["→"], job["←"] - rasa, shown - job["←"])
        for name, seconds in zip(STAGES, spans, strict=True):
            found[name].append(seconds * 1000)
    return found
