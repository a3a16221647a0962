"""Recordings for the transcription tests: a minimal valid WAV, request bodies, and rows."""

from __future__ import annotations

import io
import wave
from typing import Any

from aiohttp import FormData

RECORDED_AT = "2026-03-10T20:30:00+00:00"


def tiny_wav(seconds: float = 0.2, rate: int = 8000) -> bytes:
    """A silent 16-bit mono WAV file (valid audio, nothing said)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(b"\x00\x00" * int(seconds * rate))
    return out.getvalue()


def recording_body(**overrides: Any) -> dict[str, Any]:
    """A valid POST /v1/recordings JSON body; keyword arguments replace fields (None drops)."""
    body: dict[str, Any] = {
        "account_ref": "A-1",
        "url": "https://dialer.example/recordings/881.wav",
        "recorded_at": RECORDED_AT,
        "direction": "inbound",
        "external_id": "dialer-881",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def upload_form(audio: bytes, content_type: str = "audio/wav", **overrides: Any) -> FormData:
    """The same fields as a multipart upload with ``audio`` as the file."""
    form = FormData()
    for key, value in recording_body(**({"url": None} | overrides)).items():
        form.add_field(key, str(value))
    form.add_field("file", audio, filename="call.wav", content_type=content_type)
    return form
