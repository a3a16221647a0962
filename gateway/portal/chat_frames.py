"""The chat socket's client frames, checked before anything is stored, and its rate limit.

Pure: the socket (``gateway.pages.portal_chat_socket``) turns a ``FrameError`` into an error
frame and stores only a ``ClientMessage``.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

MAX_BODY = 2000  # characters; the page's text box says so too
# The page's own id of a message (a UUID): the dedupe key of a resend after a reconnect.
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Control characters a person does not type (PostgreSQL refuses NUL in text); newlines and
# tabs stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class ClientMessage:
    """A message the debtor wrote: the page's id for it and the text."""

    id: str
    body: str


@dataclass(frozen=True, slots=True)
class FrameError:
    """Why a frame was refused: a stable ``code``, the ``field`` at fault, the message's id
    when it had a usable one, and a sentence the page may show."""

    code: str
    message: str
    field: str | None = None
    id: str | None = None
    retry_after: float | None = None

    def frame(self) -> dict[str, Any]:
        """The error frame sent back to the page."""
        frame: dict[str, Any] = {
            "type": "error",
            "code": self.code,
            "field": self.field,
            "message": self.message,
        }
        if self.id is not None:
            frame["id"] = self.id
        if self.retry_after is not None:
            frame["retry_after"] = round(self.retry_after, 1)
        return frame


def clean_body(body: str) -> str:
    """The text as stored: one kind of line break, no control characters, no outer blanks."""
    return _CONTROL.sub("", body.replace("\r\n", "\n").replace("\r", "\n")).strip()


def parse_frame(data: str) -> ClientMessage | FrameError:
    """A text frame from the page: a message to store, or why it cannot be."""
    try:
        frame = json.loads(data)
    except ValueError:
        return FrameError("bad_json", "The message could not be read.")
    if not isinstance(frame, dict):
        return FrameError("bad_frame", "The message could not be read.")
    if frame.get("type") != "message":
        return FrameError(
            "unknown_type", "The page sent something this chat does not know.", "type"
        )
    client_id = frame.get("id")
    if not isinstance(client_id, str) or not _CLIENT_ID.fullmatch(client_id):
        return FrameError("invalid_id", "The message had no usable id.", "id")
    body = frame.get("body")
    if not isinstance(body, str) or not (text := clean_body(body)):
        return FrameError("missing_body", "Please write a message first.", "body", client_id)
    if len(text) > MAX_BODY:
        return FrameError(
            "body_too_long",
            f"Messages can be up to {MAX_BODY:,} characters. Please shorten it or split it.",
            "body",
            client_id,
        )
    return ClientMessage(client_id, text)


class RateLimit:
    """At most ``limit`` frames in any ``window`` seconds (a sliding window)."""

    def __init__(self, limit: int = 20, window: float = 10.0) -> None:
        self.limit = limit
        self.window = window
        self._times: deque[float] = deque()

    def check(self, now: float | None = None) -> float | None:
        """Count a frame; None when it is allowed, else the seconds until one would be."""
        now = time.monotonic() if now is None else now
        while self._times and now - self._times[0] >= self.window:
            self._times.popleft()
        if len(self._times) >= self.limit:
            return self.window - (now - self._times[0])
        self._times.append(now)
        return None
