"""``parley transcribe FILE...``: local files through the same pipeline the worker runs.

For trying transcription out and for importing a back catalogue: each file is decoded,
transcribed and redacted, and what it says is read with the running assistant's NLU (when
``parley run`` is up; ``--no-rasa`` skips it). A progress bar on stderr counts files and audio
seconds; the redacted transcripts and findings go to stdout.
"""

from __future__ import annotations

import asyncio
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp

from gateway import clock
from gateway.config import Settings
from gateway.conversations.rasa import AssistantUnavailable, RasaClient
from gateway.conversations.update_data import Terms, normalise
from gateway.errors import ValidationFailed
from gateway.normalize import local_today
from gateway.recordings.understanding import Finding, understand
from policies import candidate_zones
from transcription.errors import TranscriptionError
from transcription.transcript import Transcript

if TYPE_CHECKING:
    from transcription.entities import Reading

BAR_WIDTH = 30
# No account here: amounts are checked against nothing but being positive.
NO_BALANCE = Decimal("1000000000")


def run(settings: Settings, files: list[str], *, use_rasa: bool) -> int:
    """Transcribe ``files`` in order; 0 when every one could be read."""
    missing = [name for name in files if not Path(name).is_file()]
    if missing:
        print(f"parley: error: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    return asyncio.run(_run(settings, [Path(name) for name in files], use_rasa))


async def _run(settings: Settings, files: list[Path], use_rasa: bool) -> int:
    from gateway.recordings.speech_models import load_speech_models

    _bar(0, len(files), 0.0, 0.0, "loading the models")
    pipeline, reader = load_speech_models(settings)
    failures, audio_seconds, started = 0, 0.0, time.perf_counter()
    async with aiohttp.ClientSession() as http:
        rasa = RasaClient(http, str(settings.rasa_url), settings.rasa_timeout_seconds)
        for done, path in enumerate(files):
            _bar(done, len(files), audio_seconds, time.perf_counter() - started, path.name)
            try:
                transcript = await asyncio.to_thread(pipeline.run, path.read_bytes())
            except TranscriptionError as exc:
                failures += 1
                print(f"== {path}\n   not transcribed: {exc}\n", flush=True)
                continue
            audio_seconds += transcript.duration_seconds
            reading = await asyncio.to_thread(reader.read, transcript.text)
            findings = await _findings(transcript, reading, rasa, use_rasa)
            _report(path, transcript, findings, settings)
        _bar(len(files), len(files), audio_seconds, time.perf_counter() - started, "done")
    print(file=sys.stderr)
    return 1 if failures else 0


async def _findings(
    transcript: Transcript, reading: Reading, rasa: RasaClient, use_rasa: bool
) -> list[Finding] | None:
    if not use_rasa:
        return None
    try:
        return await understand(transcript, reading, rasa.parse)
    except AssistantUnavailable:
        return None


def _report(
    path: Path, transcript: Transcript, findings: list[Finding] | None, settings: Settings
) -> None:
    lines = [
        f"== {path} ({transcript.duration_seconds:.1f} s, confidence {transcript.confidence:.2f})",
        f"   {transcript.text or '(no speech)'}",
    ]
    if findings is None:
        lines.append("   (intents not read: the assistant is not running; see `parley run`)")
    for finding in findings or ():
        lines.append(
            f"   {finding.kind} (confidence {finding.confidence:.2f}): {_data(finding, settings)}"
        )
    print("\n".join(lines) + "\n", flush=True)


def _data(finding: Finding, settings: Settings) -> str:
    # No debtor here: dates are read as in the zone Parley assumes when it knows nothing.
    terms = Terms(
        today=local_today(clock.utcnow(), candidate_zones((), None, ())[0]),
        balance=NO_BALANCE,
        currency="USD",
        horizon_days=settings.bot_date_horizon_days,
    )
    try:
        data = normalise(finding.kind, finding.raw, terms)
    except ValidationFailed as exc:
        return f"{finding.raw} (incomplete: {exc.message})"
    shown = {k: v for k, v in data.items() if v is not None and k != "raw"}
    return ", ".join(f"{k}={v}" for k, v in shown.items()) or "-"


def _bar(done: int, total: int, audio: float, elapsed: float, label: str) -> None:
    filled = BAR_WIDTH * done // max(total, 1)
    speed = f", {audio / elapsed:.1f}x real time" if elapsed > 0 and audio > 0 else ""
    print(
        f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} files, "
        f"{audio:.0f} s of audio{speed}  {label[:30]:<30}",
        end="",
        file=sys.stderr,
        flush=True,
    )
