"""What the phone menu says and does next, as neutral instructions a voice channel renders.

The IVR (in the gateway) decides; ``channels.twilio_twiml`` turns these into TwiML.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Ask:
    """Say ``text`` and wait for keys or speech; the answer comes back for ``step``."""

    text: str
    step: str
    num_digits: int | None = None
    hints: str | None = None


@dataclass(frozen=True, slots=True)
class Hangup:
    """Say ``text``, then end the call."""

    text: str


@dataclass(frozen=True, slots=True)
class TakeMessage:
    """Say ``text`` and record a message after the tone."""

    text: str


@dataclass(frozen=True, slots=True)
class Transfer:
    """Say ``text`` and connect the caller to ``target``: an E.164 number or ``queue:<name>``."""

    text: str
    target: str


Prompt = Ask | Hangup | TakeMessage | Transfer


@dataclass(frozen=True, slots=True)
class VoiceReply:
    """The next instruction for one call (``call_id`` is Parley's; None before a call row)."""

    call_id: str | None
    prompt: Prompt
