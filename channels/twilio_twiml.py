"""The IVR's neutral prompts as TwiML, built with the twilio SDK's ``VoiceResponse``."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.twiml.voice_response import VoiceResponse

from channels.voice import Ask, Hangup, TakeMessage, Transfer, VoiceReply

VOICE = "Polly.Joanna"
LANGUAGE = "en-US"
GATHER_TIMEOUT_SECONDS = 6
RECORD_MAX_SECONDS = 180


@dataclass(frozen=True, slots=True)
class CallbackUrls:
    """Where Twilio posts a prompt's answer (``gather``) and a finished recording."""

    gather: str
    recording: str

    def answer(self, call_id: str, step: str) -> str:
        """The action URL of one step of one call."""
        return f"{self.gather}?{urlencode({'call': call_id, 'step': step})}"

    def recorded(self, call_id: str) -> str:
        """The recording status callback of one call."""
        return f"{self.recording}?{urlencode({'call': call_id})}"


def render(reply: VoiceReply, urls: CallbackUrls) -> str:
    """The TwiML document for ``reply``."""
    prompt, call_id = reply.prompt, reply.call_id or ""
    response = VoiceResponse()
    if isinstance(prompt, Ask):
        _ask(response, prompt, urls.answer(call_id, prompt.step))
    elif isinstance(prompt, TakeMessage):
        _record(response, prompt.text, urls.answer(call_id, "recorded"), urls.recorded(call_id))
    elif isinstance(prompt, Transfer):
        _say(response, prompt.text)
        connect = response.dial()
        if prompt.target.startswith("queue:"):
            connect.queue(prompt.target.removeprefix("queue:"))
        else:
            connect.number(prompt.target)
    else:
        assert isinstance(prompt, Hangup)
        _say(response, prompt.text)
        response.hangup()
    return str(response)


def _say(response: VoiceResponse, text: str) -> None:
    response.say(text, voice=VOICE, language=LANGUAGE)


def _ask(response: VoiceResponse, prompt: Ask, action: str) -> None:
    """The question inside a ``<Gather>``; when the caller says nothing, Twilio runs the
    ``<Redirect>`` after it, which posts to ``action`` without input (counted as a miss)."""
    gather = response.gather(
        input="dtmf speech",
        action=action,
        method="POST",
        timeout=GATHER_TIMEOUT_SECONDS,
        finish_on_key="#",
        num_digits=prompt.num_digits,
        speech_timeout="auto",
        language=LANGUAGE,
        hints=prompt.hints,
    )
    gather.say(prompt.text, voice=VOICE, language=LANGUAGE)
    response.redirect(action, method="POST")


def _record(response: VoiceResponse, text: str, action: str, callback: str) -> None:
    """Ask for a message and record it; Twilio reports the recording to ``callback``."""
    _say(response, text)
    response.record(
        action=action,
        method="POST",
        max_length=RECORD_MAX_SECONDS,
        finish_on_key="#",
        play_beep=True,
        recording_status_callback=callback,
        recording_status_callback_method="POST",
        recording_status_callback_event="completed",
    )
    _say(response, "I did not hear a message. Goodbye.")
    response.hangup()
