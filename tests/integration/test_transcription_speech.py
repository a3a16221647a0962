"""The speech half of transcription with the real models, on audio spoken by espeak-ng.

The facts are asserted, not the words: tiny.en on a synthetic voice over a phone line hears
"Dana" as "Mayna" or "me", but the amount and the date must come through, silence and line
noise must give nothing, and a card number must not run away. The models load once for this
module.
"""

from __future__ import annotations

import io
import logging
import random
import socket
import wave
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Literal

import numpy as np
import pytest
from speech_audio import mp3, noise, silence, speak

from transcription.audio import Audio, decode, probe
from transcription.entities import EntityReader
from transcription.errors import AudioError, ModelError, TranscriptionError
from transcription.speech import Decoding, Segment, Transcriber

PROMISE = "Hi, this is Dana. I can pay two hundred dollars on the fifteenth."
CARD = (
    f"{PROMISE} My card number is four one one one, one one one one, one one one one, "
    "one one one one."
)
FORMATS: dict[str, Callable[[str], bytes]] = {
    "8 kHz μ-law WAV": speak,
    "16 kHz PCM WAV": lambda text: speak(text, rate=16_000, ulaw=False),
    "MP3": mp3,
}
CAP = Decoding().max_chars_per_second or 0.0
# faster-whisper as first tried: on CARD, tiny.en writes "1, 1, 1, ..." a hundred times.
UNBOUNDED = Decoding(
    repetition_penalty=1.0,
    max_new_tokens=None,
    compression_ratio_threshold=None,
    max_chars_per_second=None,
)


@pytest.fixture(scope="module")
def transcriber() -> Transcriber:
    return Transcriber()


@pytest.fixture(scope="module")
def reader() -> EntityReader:
    return EntityReader()


def text_of(segments: list[Segment]) -> str:
    return " ".join(segment.text for segment in segments)


@pytest.mark.parametrize("kind", FORMATS)
def test_a_promise_is_heard_with_its_amount_and_its_date(
    kind: str, transcriber: Transcriber, reader: EntityReader
) -> None:
    audio = decode(FORMATS[kind](PROMISE))

    segments = transcriber.transcribe(audio)

    text = text_of(segments)
    # Only "200": from the 8 kHz clip tiny.en writes "$200,000" (16 kHz and MP3: "$200").
    assert "200" in text, text
    assert "15" in text, text
    reading = reader.read(text)
    promise = next(s for s in reading.sentences if "200" in s.text)
    assert any("200" in e.text for e in reading.in_sentence(promise, "MONEY")), reading
    assert any("15" in e.text for e in reading.in_sentence(promise, "DATE")), reading
    assert all(0 <= s.start < s.end <= audio.duration_seconds + 0.5 for s in segments)
    assert [s.start for s in segments] == sorted(s.start for s in segments)
    assert all(0 < s.confidence <= 1 and 0 <= s.no_speech_prob <= 1 for s in segments)


def test_durations_are_the_recordings_own() -> None:
    pcm = speak(PROMISE, rate=16_000, ulaw=False)
    with wave.open(io.BytesIO(pcm)) as header:
        spoken = header.getnframes() / header.getframerate()

    assert decode(pcm).duration_seconds == pytest.approx(spoken, abs=0.2)
    assert decode(speak(PROMISE)).duration_seconds == pytest.approx(spoken, abs=0.2)
    assert decode(mp3(PROMISE)).duration_seconds == pytest.approx(spoken, abs=0.2)
    assert decode(silence(3.0)).duration_seconds == pytest.approx(3.0, abs=0.2)
    assert decode(noise(7.5, "pink")).duration_seconds == pytest.approx(7.5, abs=0.2)


def test_silence_gives_no_segments(transcriber: Transcriber) -> None:
    assert transcriber.transcribe(decode(silence(10.0))) == []
    assert transcriber.transcribe(decode(silence(5.0, rate=16_000, ulaw=False))) == []


@pytest.mark.parametrize("kind", ["white", "pink"])
@pytest.mark.parametrize("volume", [0.3, 0.01])
def test_line_noise_gives_no_segments(
    kind: Literal["white", "pink"], volume: float, transcriber: Transcriber
) -> None:
    assert transcriber.transcribe(decode(noise(10.0, kind, volume=volume))) == []


def test_a_card_number_does_not_run_away(transcriber: Transcriber) -> None:
    audio = decode(speak(CARD))

    segments = transcriber.transcribe(audio)

    text = text_of(segments)
    assert "200" in text, text
    assert len(text) <= CAP * audio.duration_seconds, text
    assert text.count("1") <= 2 * 15, text  # fifteen ones are said; a loop writes a hundred
    assert len(segments) <= audio.duration_seconds


@pytest.mark.parametrize(
    "bounded",
    [
        replace(UNBOUNDED, max_chars_per_second=CAP),
        replace(UNBOUNDED, compression_ratio_threshold=2.4),
        replace(UNBOUNDED, repetition_penalty=1.1),
        replace(UNBOUNDED, max_new_tokens=224),
    ],
    ids=["the cap", "the loop filter", "the repetition penalty", "max_new_tokens"],
)
def test_each_bound_alone_stops_the_loop(bounded: Decoding, transcriber: Transcriber) -> None:
    audio = decode(speak(CARD))
    unbounded = text_of(transcriber.tuned(UNBOUNDED).transcribe(audio))
    assert len(unbounded) > CAP * audio.duration_seconds, "tiny.en no longer loops here"

    segments = transcriber.tuned(bounded).transcribe(audio)

    assert 0 < len(text_of(segments)) <= CAP * audio.duration_seconds, text_of(segments)
    assert len(segments) <= audio.duration_seconds


def test_a_long_recording_is_heard_in_pieces_cut_between_words(transcriber: Transcriber) -> None:
    promise, pause = decode(speak(PROMISE)).samples, np.zeros(24_000, dtype=np.float32)
    audio = Audio(np.concatenate([promise, pause, promise, pause, promise]))

    whole = transcriber.transcribe(audio)
    pieces = transcriber.tuned(Decoding(piece_seconds=8)).transcribe(audio)

    for segments in (whole, pieces):
        assert text_of(segments).count("200") == 3, text_of(segments)
        assert [s.start for s in segments] == sorted(s.start for s in segments)
        assert all(s.end <= audio.duration_seconds + 0.5 for s in segments)
    # The third promise starts 2 * 6.3 s in: its times are the recording's, not its piece's.
    assert pieces[-1].start > 11


def test_the_same_audio_gives_the_same_segments(transcriber: Transcriber) -> None:
    audio = decode(speak(CARD))

    assert transcriber.transcribe(audio) == transcriber.transcribe(audio)


def test_the_log_holds_no_transcript(
    transcriber: Transcriber, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    segments = transcriber.transcribe(decode(speak(PROMISE)))

    assert "$200" in text_of(segments)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "parley.transcription" in {record.name for record in caplog.records}
    for said in ["$200", "15th", " pay", *(segment.text for segment in segments)]:
        assert said not in logged, (said, logged)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not audio at all, just a line of text\n" * 20,
        random.Random(7).randbytes(20_000),
        b"\x89PNG\r\n\x1a\n" + bytes(200),
        b"RIFF\x24\x00\x00\x00WAVEfmt ",
        bytes(10_000),
    ],
    ids=["empty", "text", "random", "png", "truncated header", "zeros"],
)
def test_what_is_not_audio_is_an_audio_error(data: bytes) -> None:
    with pytest.raises(AudioError) as raised:
        decode(data)

    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, TranscriptionError)
    assert probe(data) is None


def test_a_wav_without_samples_is_an_audio_error() -> None:
    wav = speak(PROMISE)
    header = wav[: wav.index(b"data") + 8]

    with pytest.raises(AudioError, match="no samples"):
        decode(header)


def test_audio_longer_than_allowed_is_refused() -> None:
    with pytest.raises(AudioError, match="lasts"):
        decode(silence(5.0), max_seconds=2.0)


def test_probe_names_the_container() -> None:
    assert probe(speak(PROMISE)) == "wav"
    assert probe(mp3(PROMISE)) == "mp3"


def test_the_reader_keeps_five_labels_in_their_sentences(reader: EntityReader) -> None:
    text = (
        "Hi, this is Dana Miller from Acme Bank. I can pay $200 on March 15th at 3 pm. "
        "I have 2 cards. Call me back tomorrow!"
    )

    reading = reader.read(text)

    assert [s.text for s in reading.sentences][:2] == [
        "Hi, this is Dana Miller from Acme Bank.",
        "I can pay $200 on March 15th at 3 pm.",
    ]
    assert all(text[s.start : s.end] == s.text for s in reading.sentences)
    assert all(text[e.start : e.end] == e.text for e in reading.entities)
    assert {e.label for e in reading.entities} <= {"MONEY", "DATE", "CARDINAL", "PERSON", "TIME"}
    assert "Acme Bank" not in {e.text for e in reading.entities}  # an ORG
    second = reading.sentences[1]
    assert [e.text for e in reading.in_sentence(second, "MONEY")] == ["200"]
    assert [e.text for e in reading.in_sentence(second, "DATE")] == ["March 15th"]
    assert [e.text for e in reading.in_span(0, second.start, "PERSON")] == ["Dana Miller"]


def test_a_date_at_the_very_end_is_read_without_a_full_stop(reader: EntityReader) -> None:
    text = "Hi, this is me. I can pay $200 on the 15th"

    reading = reader.read(text)

    assert [s.text for s in reading.sentences] == ["Hi, this is me.", "I can pay $200 on the 15th"]
    assert reading.sentences[-1].end == len(text)
    assert [(e.label, e.text) for e in reading.in_sentence(reading.sentences[-1])] == [
        ("MONEY", "200"),
        ("DATE", "the 15th"),
    ]


def test_the_models_load_and_run_without_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError(f"a connection was attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)

    text = text_of(Transcriber().transcribe(decode(speak(PROMISE))))

    assert "200" in text
    assert EntityReader().read(text).entities


def test_a_directory_without_a_model_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError):
        Transcriber(tmp_path)
    with pytest.raises(ModelError):
        EntityReader(tmp_path)
