"""Recordings from other dialers: ``POST /v1/recordings`` (a URL in JSON, or the file in a
multipart upload) and ``GET /v1/recordings/{id}`` with the redacted transcript."""

from __future__ import annotations

from typing import Any

from aiohttp import BodyPartReader, web

from gateway import clock
from gateway.api.parsing import read_body, validate
from gateway.api.schemas import RecordingIn
from gateway.appkeys import ENGINE, REDIS, SETTINGS
from gateway.conversations.after_commit import AfterCommit
from gateway.db.engine import reading
from gateway.errors import ValidationFailed
from gateway.recordings.intake import DialerRecording, accept_dialer_recording
from gateway.recordings.uploads import upload_problem
from gateway.recordings.views import recording_view

routes = web.RouteTableDef()
FILE_FIELD = "file"
FORM_FIELDS = frozenset({"account_ref", "external_id", "recorded_at", "direction", "url"})


@routes.post("/recordings")
async def post_recording(request: web.Request) -> web.Response:
    """Accept a recording for transcription: 202 ``{"id", "status"}``; the same
    ``external_id`` again answers 200 with the first recording."""
    settings = request.config_dict[SETTINGS]
    if request.content_type == "multipart/form-data":
        try:
            fields, audio, content_type = await _multipart(request, settings.recording_max_bytes)
        except (ValueError, AssertionError, LookupError) as exc:
            # aiohttp's multipart reader says a malformed body with these.
            raise _bad("body", f"malformed multipart body ({type(exc).__name__})") from None
    else:
        fields, audio, content_type = await read_body(request), None, None
    body = validate(RecordingIn, fields)
    if (body.url is None) == (audio is None):
        raise ValidationFailed(
            "give either url or a file upload, not both and not neither",
            details=[{"field": "url", "message": "exactly one of url and file is required"}],
        )
    recording = DialerRecording(
        account_ref=body.account_ref,
        external_id=body.external_id,
        direction=body.direction,
        recorded_at=body.recorded_at,
        url=body.url,
        audio=audio,
        content_type=content_type,
    )
    async with request.config_dict[ENGINE].begin() as conn:
        accepted = await accept_dialer_recording(conn, recording, clock.utcnow())
    if accepted.created:
        after = AfterCommit(transcriptions=[accepted.id])
        await after.flush(request.config_dict[REDIS], settings)
    return web.json_response(
        {"id": accepted.id, "status": accepted.status}, status=202 if accepted.created else 200
    )


@routes.get("/recordings/{id}")
async def get_recording(request: web.Request) -> web.Response:
    """The recording: status, redacted transcript and segments, updates, pending reviews."""
    async with reading(request.config_dict[ENGINE]) as conn:
        view = await recording_view(conn, request.match_info["id"])
    return web.json_response(view, headers={"Cache-Control": "no-store"})


async def _multipart(
    request: web.Request, max_bytes: int
) -> tuple[dict[str, Any], bytes | None, str | None]:
    """The form's text fields, and the file part's bytes and declared type (size-checked while
    it streams, so an oversized upload is refused without being held)."""
    fields: dict[str, Any] = {}
    audio, content_type = None, None
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise _bad("body", "nested multipart is not accepted")
        if part.name == FILE_FIELD:
            content_type = part.headers.get("Content-Type", "")
            audio = await _read_limited(part, max_bytes)
            if problem := upload_problem(content_type, audio, max_bytes):
                raise _bad(FILE_FIELD, problem)
        elif part.name in FORM_FIELDS:
            fields[part.name] = await part.text()
        else:
            raise _bad(part.name or "body", "unknown field")
    return fields, audio, content_type


async def _read_limited(part: BodyPartReader, max_bytes: int) -> bytes:
    data = bytearray()
    while chunk := await part.read_chunk():
        data += chunk
        if len(data) > max_bytes:
            raise _bad(FILE_FIELD, f"larger than {max_bytes} bytes")
    return bytes(data)


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        f"invalid field {field}: {message}", details=[{"field": field, "message": message}]
    )
