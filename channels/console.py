"""Development sink: records every rendered message in a JSON-lines outbox and prints it."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from channels.base import NOT_SENT, Lookup, OutboundMessage, SendResult


class ConsoleProvider:
    """A provider that "delivers" to a local file, so dev and tests see exactly what was sent."""

    def __init__(self, outbox: Path, *, echo: bool = True, stream: TextIO = sys.stdout) -> None:
        self.name = "console"
        self._outbox = outbox
        self._echo = echo
        self._stream = stream
        outbox.parent.mkdir(parents=True, exist_ok=True)

    async def send(self, message: OutboundMessage) -> SendResult:
        """Append the message to the outbox (and print it when echo is on)."""
        record = {
            "provider_id": f"console-{message.message_id}",
            "message_id": message.message_id,
            "channel": message.channel,
            "to": message.to,
            "subject": message.subject,
            "body": message.body,
        }
        await asyncio.to_thread(self._append, json.dumps(record))
        if self._echo:
            heading = f"--- {message.channel} to {message.to}"
            if message.subject:
                heading += f" | {message.subject}"
            print(f"{heading}\n{message.body}\n---", file=self._stream, flush=True)
        return SendResult(provider_id=f"console-{message.message_id}", status="sent")

    async def lookup(self, message: OutboundMessage, since: datetime) -> Lookup:
        """Search the outbox for the message's id (used to reconcile a crash mid-send)."""
        found = await asyncio.to_thread(self._find, message.message_id)
        return Lookup.found(found) if found is not None else NOT_SENT

    def _append(self, line: str) -> None:
        with self._outbox.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    def _find(self, message_id: str) -> SendResult | None:
        if not self._outbox.exists():
            return None
        with self._outbox.open(encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                if record["message_id"] == message_id:
                    return SendResult(provider_id=record["provider_id"], status="sent")
        return None
