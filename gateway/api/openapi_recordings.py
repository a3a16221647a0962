"""The recordings' part of the OpenAPI document: a URL in JSON or the file itself in a
multipart upload, and the redacted transcript."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.api import schemas
from gateway.recordings.uploads import AUDIO_TYPES

MODELS = (schemas.RecordingIn,)
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
_UPLOAD = {
    "type": "object",
    "required": ["account_ref", "external_id", "recorded_at", "direction", "file"],
    "properties": {
        "account_ref": {"type": "string", "maxLength": 128, "pattern": r"^[A-Za-z0-9._:-]+$"},
        "external_id": {"type": "string", "minLength": 1, "maxLength": 200},
        "recorded_at": {"type": "string", "format": "date-time"},
        "direction": {"enum": ["inbound", "outbound"]},
        "file": {"type": "string", "format": "binary"},
    },
}


def recording_operations(op: Callable[..., dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``/v1/recordings`` and ``/v1/recordings/{id}``."""
    post = op(
        "A call recording to transcribe: 202 {id, status}; the same external_id again "
        "answers 200 with the first one",
        schemas.RecordingIn,
        202,
        (401, 404, 409, 413, 422),
    )
    post["requestBody"]["content"]["multipart/form-data"] = {
        "schema": _UPLOAD,
        "encoding": {"file": {"contentType": ", ".join(sorted(AUDIO_TYPES))}},
    }
    post["responses"]["200"] = post["responses"]["202"]
    return {
        "/v1/recordings": {"post": post},
        "/v1/recordings/{id}": {
            "parameters": _ID,
            "get": op(
                "A recording: status, redacted transcript and segments, its updates and reviews",
                None,
                200,
                (401, 404),
            ),
        },
    }
