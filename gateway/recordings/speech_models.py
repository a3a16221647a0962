"""The speech models a process loads once (faster-whisper behind the pipeline, and spaCy), and
the threads that run them at a lower CPU priority."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

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


def speech_threads(workers: int, nice: int) -> ThreadPoolExecutor:
    """Threads for the speech models, ``nice`` lower in priority than the rest of the process.

    Linux keeps a nice value per thread, and the threads CTranslate2 and ONNX Runtime start
    inherit it from the thread that loads the model: load and run the models here, and the
    event loop (database writes, Rasa calls) keeps its priority. A whole process reniced would
    hold SQLite's write lock at low priority and make everyone else wait for it.
    """
    return ThreadPoolExecutor(
        max_workers=workers,
        thread_name_prefix="speech",
        initializer=os.setpriority,
        initargs=(os.PRIO_PROCESS, 0, nice),
    )
