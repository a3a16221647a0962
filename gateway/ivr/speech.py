"""Reading what a caller said with Rasa's NLU, before any transaction is opened.

The gather webhook asks Rasa first and only then opens its transaction: Rasa may take seconds,
and a transaction held meanwhile would block every other writer (on SQLite, all of them).
"""

from __future__ import annotations

import logging

from channels.events import CallInput
from gateway import clock
from gateway.config import Settings
from gateway.conversations.rasa import AssistantUnavailable, RasaClient
from gateway.ivr.menu import SPEECH_STEPS
from gateway.normalize import parse_date_of_birth, parse_zip

log = logging.getLogger("parley.ivr")


async def understand(
    rasa: RasaClient, settings: Settings, step: str, heard: CallInput
) -> str | None:
    """The intent Rasa reads in the caller's speech at ``step``; None when there is no speech
    worth reading, Rasa is unsure, or Rasa is away (the caller is asked again)."""
    threshold = settings.voice_speech_min_confidence
    if step not in SPEECH_STEPS or not heard.speech or heard.confidence < threshold:
        return None
    if step == "verify" and _is_fact(heard.speech, settings):
        return None  # a date of birth or ZIP code is checked by the gateway, never sent to Rasa
    try:
        intent, confidence = await rasa.parse(heard.speech)
    except AssistantUnavailable as exc:
        log.warning("Rasa could not read speech in the IVR: %s", exc)
        return None
    return intent if confidence >= threshold else None


def _is_fact(speech: str, settings: Settings) -> bool:
    if settings.bot_verification_fact == "date_of_birth":
        return parse_date_of_birth(speech, clock.utcnow().date()) is not None
    return parse_zip(speech) is not None
