"""``parley transcribe FILE...``: local files through the worker's pipeline, with a progress bar
on stderr and the redacted transcripts on stdout."""

from __future__ import annotations

from pathlib import Path

from helpers import parley
from speech_audio import speak
from transcription_helpers import holds_card_digits

from gateway.cli.embedded_redis import free_port

SAID = (
    "I can pay two hundred dollars on the fifteenth. "
    "My card number is four one one one, one one one one, one one one one, one one one one."
)


def test_files_are_transcribed_redacted_with_progress(tmp_path: Path) -> None:
    voicemail = tmp_path / "voicemail.wav"
    voicemail.write_bytes(speak(SAID))
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x24\x00\x00\x00WAVEjunk" + bytes(range(256)))
    # Nothing listens there: what the assistant would read is said to be unavailable.
    result = parley(
        "transcribe", str(voicemail), str(broken), rasa_url=f"http://127.0.0.1:{free_port()}"
    )
    assert result.returncode == 1, result.stderr  # one of the two could not be read
    assert "[card number]" in result.stdout
    assert "200" in result.stdout
    assert not holds_card_digits(result.stdout + result.stderr)
    assert "intents not read" in result.stdout
    assert f"== {broken}\n   not transcribed:" in result.stdout
    assert "2/2 files" in result.stderr


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    result = parley("transcribe", str(tmp_path / "nope.wav"), "--no-rasa")
    assert result.returncode == 2
    assert "no such file" in result.stderr
    assert "nope.wav" in result.stderr
