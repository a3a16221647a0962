"""Telephone audio for the transcription tests, generated with espeak-ng and sox, as bytes.

A missing tool fails the test that needs it (an AssertionError naming the tool), never skips
it: a machine without espeak-ng or sox cannot vouch for the transcription. Each clip is made
once per process, since the tests ask for the same few again and again.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Literal

import av

TELEPHONE_RATE = 8000


def _tool(name: str) -> str:
    """The path of ``name``; AssertionError if it is not installed."""
    path = shutil.which(name)
    assert path is not None, (
        f"{name} is not installed; the speech tests need it (apt install {name})"
    )
    return path


def _run(*command: str) -> None:
    """Run a local tool; AssertionError with its stderr if it fails."""
    done = subprocess.run(command, capture_output=True, check=False)  # noqa: S603
    assert done.returncode == 0, f"{command[0]} failed: {done.stderr.decode(errors='replace')}"


def _wav_args(rate: int, ulaw: bool) -> list[str]:
    """sox's output options for a mono WAV at ``rate``: 8-bit μ-law or 16-bit PCM."""
    encoding = ["-e", "u-law"] if ulaw else ["-e", "signed-integer", "-b", "16"]
    return ["-r", str(rate), "-c", "1", *encoding, "-t", "wav"]


@functools.lru_cache(maxsize=256)
def speak(
    text: str,
    *,
    rate: int = TELEPHONE_RATE,
    ulaw: bool = True,
    voice: str = "en-us",
    speed: int = 150,
) -> bytes:
    """``text`` spoken by espeak-ng, as a mono WAV: 8 kHz μ-law (a phone line) by default, 16-bit
    PCM when ``ulaw`` is false; ``speed`` in words per minute."""
    espeak, sox = _tool("espeak-ng"), _tool("sox")
    with tempfile.TemporaryDirectory(prefix="parley-speech-") as tmp:
        spoken, out = Path(tmp, "spoken.wav"), Path(tmp, "out.wav")
        # -w writes a complete header (--stdout leaves the length unset); sox -R: the same dither
        # every run, so a clip and its transcript are the same from one run to the next.
        _run(espeak, "-v", voice, "-s", str(speed), "-w", str(spoken), "--", text)
        _run(sox, "-R", str(spoken), *_wav_args(rate, ulaw), str(out))
        return out.read_bytes()


@functools.lru_cache(maxsize=64)
def mp3(text: str, *, voice: str = "en-us", speed: int = 150) -> bytes:
    """``text`` spoken by espeak-ng, as a 16 kHz mono MP3 (64 kbit/s)."""
    # Encoded with PyAV's bundled LAME: sox builds often lack MP3 (this machine's does).
    pcm = speak(text, rate=16_000, ulaw=False, voice=voice, speed=speed)
    out = io.BytesIO()
    with av.open(io.BytesIO(pcm), mode="r") as source, av.open(out, "w", format="mp3") as target:
        stream = target.add_stream("libmp3lame", rate=16_000, layout="mono")
        stream.bit_rate = 64_000
        for frame in source.decode(audio=0):
            frame.pts = None  # the encoder keeps its own clock
            target.mux(stream.encode(frame))
        target.mux(stream.encode(None))
    return out.getvalue()


@functools.lru_cache(maxsize=32)
def silence(seconds: float, *, rate: int = TELEPHONE_RATE, ulaw: bool = True) -> bytes:
    """``seconds`` of digital silence, as a mono WAV (8 kHz μ-law by default)."""
    return _synth(seconds, None, 0.0, rate, ulaw)


@functools.lru_cache(maxsize=32)
def noise(
    seconds: float,
    kind: Literal["white", "pink"] = "white",
    *,
    volume: float = 0.3,
    rate: int = TELEPHONE_RATE,
    ulaw: bool = True,
) -> bytes:
    """``seconds`` of white or pink noise at ``volume`` (a fraction of full scale; 0.01 is a
    quiet line's hiss), as a mono WAV (8 kHz μ-law by default)."""
    return _synth(seconds, f"{kind}noise", volume, rate, ulaw)


def _synth(seconds: float, kind: str | None, volume: float, rate: int, ulaw: bool) -> bytes:
    """sox's synth of ``kind`` (None: silence) at ``volume``, as WAV bytes."""
    sox = _tool("sox")
    with tempfile.TemporaryDirectory(prefix="parley-speech-") as tmp:
        out = Path(tmp, "out.wav")
        effect = ["synth", f"{seconds}", kind, "vol", f"{volume}"] if kind else ["trim", "0"]
        length = [] if kind else [f"{seconds}"]
        _run(sox, "-R", "-n", *_wav_args(rate, ulaw), str(out), *effect, *length)
        return out.read_bytes()
