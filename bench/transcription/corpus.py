"""The scripts and their audio: the utterances, voicemails made of them, the card voicemails."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from transcription.audio import decode

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tests") not in sys.path:  # the speech helpers, as pytest sees them
    sys.path.insert(0, str(ROOT / "tests"))

from speech_audio import speak  # noqa: E402

UTTERANCE_FILE = Path(__file__).with_name("utterances.txt")
VOICEMAIL_SECONDS = (5, 8, 11, 14, 17, 20, 23, 26, 28, 30)
WORDS_PER_SECOND = 2.3  # espeak-ng at 150 words a minute, with its pauses
# tiny.en loops on the test card's ones; the realistic number (Luhn-valid) has no long run.
CARD_VOICEMAILS = {
    "all-ones test card": "Hi, this is Dana. I can pay two hundred dollars on the fifteenth. "
    "My card number is four one one one, one one one one, one one one one, one one one one.",
    "realistic card": "Hi, it's Robert. Please take the payment from my card. The number is "
    "four five three nine, one four eight eight, zero three four three, six four six seven, "
    "and it expires in April twenty twenty seven.",
}


@dataclass(frozen=True)
class Clip:
    """A script spoken into an 8 kHz μ-law WAV file."""

    name: str
    script: str
    path: Path
    seconds: float


def utterances() -> list[str]:
    """The utterance scripts, one a line."""
    return [line.strip() for line in UTTERANCE_FILE.read_text().splitlines() if line.strip()]


UTTERANCE_COUNT = len(utterances())


def voicemail_scripts(count: int) -> list[str]:
    """``count`` voicemails of about 5 to 30 s, each made of whole utterances in file order."""
    lines, scripts, at = utterances(), [], 0
    for seconds in VOICEMAIL_SECONDS[:count]:
        parts: list[str] = []
        while sum(len(p.split()) for p in parts) < seconds * WORDS_PER_SECOND:
            parts.append(lines[at % len(lines)])
            at += 1
        scripts.append(" ".join(parts))
    return scripts


def record(scripts: dict[str, str], directory: Path) -> list[Clip]:
    """Each script spoken into ``directory/<name>.wav``, with the audio's length."""
    clips = []
    for name, script in scripts.items():
        data = speak(script)
        path = directory / f"{name.replace(' ', '-')}.wav"
        path.write_bytes(data)
        clips.append(Clip(name, script, path, decode(data).duration_seconds))
    return clips
