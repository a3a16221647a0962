"""What the transcription package raises.

- ``TranscriptionError``: the base; catch it to handle any failure of this package.
  - ``AudioError`` (also a ``ValueError``): the bytes are not audio that can be decoded: empty,
    garbage, no audio stream, no samples, or longer than allowed.
  - ``ModelError``: a model directory is missing or incomplete. The models are loaded by path
    only, so this is raised instead of letting a library fall back to a download.
"""

from __future__ import annotations


class TranscriptionError(Exception):
    """Base of every error raised by the transcription package."""


class AudioError(TranscriptionError, ValueError):
    """The audio cannot be decoded, or holds nothing to transcribe."""


class ModelError(TranscriptionError):
    """A model directory is missing or lacks a file the model needs."""
