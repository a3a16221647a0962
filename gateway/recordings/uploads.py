"""Checking an uploaded recording before it is kept: its size, declared type and first bytes.

The worker decodes whatever is kept, so only what claims to be audio and looks like it is
accepted; anything else is refused at the edge with the field named.
"""

from __future__ import annotations

# Declared types accepted, each with the first bytes its files start with.
AUDIO_TYPES: dict[str, tuple[bytes, ...]] = {
    "audio/wav": (b"RIFF",),
    "audio/x-wav": (b"RIFF",),
    "audio/wave": (b"RIFF",),
    "audio/vnd.wave": (b"RIFF",),
    # An MP3 starts with an ID3 tag or an MPEG frame sync (11 set bits).
    "audio/mpeg": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xe3"),
    "audio/mp3": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xe3"),
    "audio/ogg": (b"OggS",),
}


def upload_problem(content_type: str, data: bytes, max_bytes: int) -> str | None:
    """Why an upload is refused, for the error's message; None when it is acceptable."""
    declared = content_type.split(";")[0].strip().lower()
    if not data:
        return "the file is empty"
    if len(data) > max_bytes:
        return f"larger than {max_bytes} bytes"
    if declared not in AUDIO_TYPES:
        return f"type {declared or 'unknown'} is not one of {', '.join(sorted(AUDIO_TYPES))}"
    if not data.startswith(AUDIO_TYPES[declared]):
        return f"the file does not look like {declared}"
    if AUDIO_TYPES[declared] == (b"RIFF",) and data[8:12] != b"WAVE":
        return f"the file does not look like {declared}"
    return None
