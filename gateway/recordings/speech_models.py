"""The speech models a process loads once: faster-whisper behind the pipeline, and spaCy."""

from __future__ import annotations

from gateway.config import Settings
from transcription.entities import EntityReader
from transcription.models import default_spacy_model, default_whisper_model
from transcription.pipeline import Pipeline
from transcription.speech import Transcriber


def load_speech_models(settings: Settings) -> tuple[Pipeline, EntityReader]:
    """The pipeline and the entity reader, from the configured paths or the pinned packages'."""
    transcriber = Transcriber(
        settings.whisper_model or default_whisper_model(), threads=settings.transcription_threads
    )
    reader = EntityReader(settings.spacy_model or default_spacy_model())
    return Pipeline(transcriber, settings.recording_max_seconds), reader
