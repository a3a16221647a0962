"""What SendGrid posts: each sent email's events, in batches with redeliveries, signed.

Every email gets ``processed``, then ``delivered`` 3 s later, a machine ``open`` after a minute
(Apple Mail's privacy protection fetches the images), the reader's ``open`` after 2 minutes and
a ``click`` 30 s after that, each with the email's ``custom_args`` (Parley's message id) on top, as
``tests/sendgrid_emulator`` builds them from SendGrid's Event Webhook reference. The stream of
all events is in time order, so a batch holds the first events of recent emails and the opens
and clicks of older ones. Each batch takes the next distinct events of the stream and repeats
some of its own or of earlier batches (``--duplicates``, 10%: SendGrid delivers at least once,
and posts again what was not answered in time), at random places (``Batcher``). Signed with
ECDSA P-256 over the timestamp and the body, as SendGrid signs them, just before each step (a
signature older than five minutes is refused).
"""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bench.processes import ROOT
from bench.sendgrid_events.mails import Mail
from bench.sendgrid_events.webhook import PARLEY_ADDRESS
from channels.sendgrid_webhooks import MESSAGE_ID_ARG

sys.path.append(str(ROOT / "tests"))  # the SendGrid emulator's event builder and signer
from sendgrid_emulator.events import batch_body, build_event
from sendgrid_emulator.mail import SentMail
from sendgrid_emulator.signing import Signer

__all__ = ["AFTER", "Batch", "Batcher", "EventStream", "Signer", "sign"]

# Each event of an email: its kind, seconds after the email was sent, and fields of its own.
AFTER: tuple[tuple[str, int, dict[str, Any]], ...] = (
    ("processed", 0, {}),
    ("delivered", 3, {}),
    ("open", 60, {"sg_machine_open": True}),
    ("open", 120, {}),
    ("click", 150, {}),
)


@dataclass(frozen=True, slots=True)
class Batch:
    """One POST: its body, the distinct events in it, and the emails it says were delivered."""

    body: bytes
    events: int  # in the body, repeats included
    event_ids: frozenset[str]
    delivered: frozenset[str]  # Parley message ids


class EventStream:
    """Every event about ``mails`` in time order, handed out once each."""

    def __init__(self, mails: Sequence[Mail]) -> None:
        timed = []
        for mail in mails:
            sent = SentMail(
                x_message_id=mail.x_message_id,
                json={},
                to=[mail.email],
                subject=None,
                text=None,
                html=None,
                headers={},
                custom_args={MESSAGE_ID_ARG: mail.message_id},
                reply_to=None,
                from_email=PARLEY_ADDRESS,
                from_name=None,
            )
            for kind, after, fields in AFTER:
                at = int((mail.sent_at + timedelta(seconds=after)).timestamp())
                timed.append((at, build_event(sent, kind, at, dict(fields))))
        timed.sort(key=lambda pair: pair[0])
        self._events = [event for _, event in timed]
        self._next = 0

    def take(self, count: int) -> list[dict[str, Any]]:
        """The next ``count`` events; RuntimeError when there are not enough."""
        if self._next + count > len(self._events):
            raise RuntimeError("the event stream ran out: more emails are needed")
        taken = self._events[self._next : self._next + count]
        self._next += count
        return taken


class Batcher:
    """Batches of ``size`` events from ``stream``, a share ``duplicates`` of them repeats.

    Half the repeats are of events of the same batch, half of events posted ``lag`` to
    ``2 * lag`` batches before (SendGrid posting again what it posted earlier), or of the same
    batch while there are not that many yet. A repeat of an event whose batch is still being
    applied waits for that batch's transaction on PostgreSQL (the dedupe row is not committed).
    """

    def __init__(
        self,
        stream: EventStream,
        size: int,
        duplicates: float,
        lag: int,
        rng: random.Random,
    ) -> None:
        self.stream = stream
        self.size = size
        self.repeats = round(size * duplicates)
        self.lag = lag
        self.rng = rng
        self.posted: list[list[dict[str, Any]]] = []  # the fresh events of every batch made

    def batches(self, count: int) -> list[Batch]:
        """The next ``count`` batches."""
        return [self._batch() for _ in range(count)]

    def _batch(self) -> Batch:
        fresh = self.stream.take(self.size - self.repeats)
        earlier = [e for batch in self.posted[-2 * self.lag : -self.lag] for e in batch]
        events = list(fresh)
        for _ in range(self.repeats):
            pool = earlier if earlier and self.rng.random() < 0.5 else fresh
            events.insert(self.rng.randrange(len(events) + 1), self.rng.choice(pool))
        self.posted.append(fresh)
        return Batch(
            body=batch_body(events),
            events=len(events),
            event_ids=frozenset(e["sg_event_id"] for e in fresh),
            delivered=frozenset(e[MESSAGE_ID_ARG] for e in fresh if e["event"] == "delivered"),
        )


def sign(signer: Signer, batches: Sequence[Batch]) -> list[dict[str, str]]:
    """The headers of each batch: JSON, and its signature made now."""
    return [{"Content-Type": "application/json"} | signer.headers(batch.body) for batch in batches]
