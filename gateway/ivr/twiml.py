"""TwiML documents the IVR answers with, built with the twilio SDK's ``VoiceResponse``."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

VOICE = "Polly.Joanna"
LANGUAGE = "en-US"
GATHER_TIMEOUT_SECONDS = 6
RECORD_MAX_SECONDS = 180


def ask(
    text: str,
    action: str,
    *,
    speech: bool = True,
    num_digits: int | None = None,
    finish_on_key: str = "#",
    hints: str | None = None,
) -> VoiceResponse:
    """Say ``text`` inside a ``<Gather>``; when the caller says nothing, Twilio runs the
    ``<Redirect>`` after it, which posts to ``action`` without input (counted as a miss)."""
    response = VoiceResponse()
    gather = response.gather(
        input="dtmf speech" if speech else "dtmf",
        action=action,
        method="POST",
        timeout=GATHER_TIMEOUT_SECONDS,
        finish_on_key=finish_on_key,
        num_digits=num_digits,
        speech_timeout="auto" if speech else None,
        language=LANGUAGE,
        hints=hints,
    )
    gather.say(text, voice=VOICE, language=LANGUAGE)
    response.redirect(action, method="POST")
    return response


def say_and_hang_up(text: str) -> VoiceResponse:
    """Say ``text``, then end the call."""
    response = VoiceResponse()
    response.say(text, voice=VOICE, language=LANGUAGE)
    response.hangup()
    return response


def record(text: str, action: str, recording_callback: str) -> VoiceResponse:
    """Ask for a message and record it; Twilio reports the recording to ``recording_callback``."""
    response = VoiceResponse()
    response.say(text, voice=VOICE, language=LANGUAGE)
    response.record(
        action=action,
        method="POST",
        max_length=RECORD_MAX_SECONDS,
        finish_on_key="#",
        play_beep=True,
        recording_status_callback=recording_callback,
        recording_status_callback_method="POST",
        recording_status_callback_event="completed",
    )
    response.say("I did not hear a message. Goodbye.", voice=VOICE, language=LANGUAGE)
    response.hangup()
    return response


def dial(text: str, target: str) -> VoiceResponse:
    """Say ``text`` and connect the caller to ``target``: an E.164 number or ``queue:<name>``."""
    response = VoiceResponse()
    response.say(text, voice=VOICE, language=LANGUAGE)
    connect = response.dial()
    if target.startswith("queue:"):
        connect.queue(target.removeprefix("queue:"))
    else:
        connect.number(target)
    return response
