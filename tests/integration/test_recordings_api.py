"""``POST /v1/recordings`` (a URL in JSON, or a multipart upload) and ``GET /v1/recordings/{id}``:
stored once per external id, queued for the transcription worker, every bad input a 422 naming
its field that stores nothing."""

from __future__ import annotations

from typing import Any

import pytest
from account_update_helpers import create_account
from aiohttp import FormData
from helpers import count_rows, select_rows
from recording_helpers import recording_body, tiny_wav, upload_form
from redis.asyncio import Redis
from sqlalchemy import select

from gateway.config import Settings
from gateway.db.tables import audit_log, recording_audio, recordings
from gateway.worker.jobs import TRANSCRIPTION_QUEUE, transcription_job_id


async def queued_jobs(redis: Redis) -> list[str]:
    return [job.decode() for job in await redis.zrange(TRANSCRIPTION_QUEUE, 0, -1)]


async def test_a_url_is_accepted_queued_and_shown(
    client: Any, settings: Settings, redis: Redis
) -> None:
    await create_account(client)
    response = await client.post("/v1/recordings", json=recording_body())
    assert response.status == 202, await response.text()
    accepted = await response.json()
    assert accepted["status"] == "queued"
    assert accepted["id"].startswith("rec_")
    assert await queued_jobs(redis) == [transcription_job_id(accepted["id"])]
    shown = await (await client.get(f"/v1/recordings/{accepted['id']}")).json()
    assert shown["status"] == "queued"
    assert (shown["source"], shown["external_id"], shown["account_ref"]) == (
        "dialer",
        "dialer-881",
        "A-1",
    )
    assert shown["recorded_at"] == "2026-03-10T20:30:00Z"
    assert (shown["transcript"], shown["segments"], shown["updates"]) == (None, [], [])
    events = [row.event for row in await select_rows(settings.database_url, select(audit_log))]
    assert "recording.received" in events


async def test_the_same_external_id_answers_with_the_first_recording(
    client: Any, settings: Settings, redis: Redis
) -> None:
    await create_account(client)
    first = await (await client.post("/v1/recordings", json=recording_body())).json()
    again = await client.post("/v1/recordings", json=recording_body(url="https://x.example/b"))
    assert again.status == 200
    assert await again.json() == first
    assert await count_rows(settings.database_url, recordings) == 1
    assert await queued_jobs(redis) == [transcription_job_id(first["id"])]


async def test_an_external_id_of_another_account_is_a_conflict(
    client: Any, settings: Settings
) -> None:
    await create_account(client)
    await create_account(client, ref="A-2")
    assert (await client.post("/v1/recordings", json=recording_body())).status == 202
    response = await client.post("/v1/recordings", json=recording_body(account_ref="A-2"))
    assert response.status == 409
    assert (await response.json())["error"]["details"][0]["field"] == "external_id"
    assert await count_rows(settings.database_url, recordings) == 1


async def test_an_upload_is_held_until_it_is_transcribed(client: Any, settings: Settings) -> None:
    await create_account(client)
    audio = tiny_wav()
    response = await client.post("/v1/recordings", data=upload_form(audio))
    assert response.status == 202, await response.text()
    (held,) = await select_rows(settings.database_url, select(recording_audio))
    assert (held.data, held.content_type) == (audio, "audio/wav")
    (row,) = await select_rows(settings.database_url, select(recordings))
    assert row.url is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (recording_body(account_ref=None), "account_ref"),
        (recording_body(account_ref="a/b"), "account_ref"),
        (recording_body(recorded_at="2026-03-10T20:30:00"), "recorded_at"),
        (recording_body(recorded_at="yesterday"), "recorded_at"),
        (recording_body(direction="sideways"), "direction"),
        (recording_body(external_id=""), "external_id"),
        (recording_body(external_id="x" * 201), "external_id"),
        (recording_body(url="ftp://dialer.example/a.wav"), "url"),
        (recording_body(url=None), "url"),
        (recording_body(url=5), "url"),
        (recording_body(extra="x"), "extra"),
    ],
)
async def test_bad_json_is_refused_naming_the_field(
    client: Any, settings: Settings, redis: Redis, body: dict[str, Any], field: str
) -> None:
    await create_account(client)
    response = await client.post("/v1/recordings", json=body)
    assert response.status == 422, await response.text()
    assert (await response.json())["error"]["details"][0]["field"] == field
    assert await count_rows(settings.database_url, recordings) == 0
    assert await queued_jobs(redis) == []


def _form(**fields: Any) -> FormData:
    form = FormData(default_to_multipart=True)
    for key, value in fields.items():
        form.add_field(key, value)
    return form


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (upload_form(b"hello, this is not audio", "text/plain"), "file"),
        (upload_form(b"MZ\x90\x00" + b"\x00" * 64, "audio/wav"), "file"),
        (upload_form(b"RIFF\x00\x00\x00\x00AVI " + b"\x00" * 64, "audio/wav"), "file"),
        (upload_form(b"", "audio/wav"), "file"),
        (upload_form(tiny_wav(seconds=3.0)), "file"),  # above the test's 16 KiB limit
        (upload_form(tiny_wav(), url="https://dialer.example/a.wav"), "url"),
        (upload_form(tiny_wav(), direction="up"), "direction"),
        (_form(account_ref="A-1", mystery="x"), "mystery"),
    ],
)
async def test_bad_uploads_are_refused_naming_the_field(
    settings: Settings, gateway: Any, redis: Redis, form: FormData, field: str
) -> None:
    client = await gateway(settings.model_copy(update={"recording_max_bytes": 16 * 1024}))
    await create_account(client)
    response = await client.post("/v1/recordings", data=form)
    assert response.status == 422, await response.text()
    assert (await response.json())["error"]["details"][0]["field"] == field
    assert await count_rows(settings.database_url, recordings) == 0
    assert await count_rows(settings.database_url, recording_audio) == 0


async def test_a_malformed_multipart_body_is_a_422(client: Any, settings: Settings) -> None:
    await create_account(client)
    response = await client.post(
        "/v1/recordings",
        data=b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status == 422, await response.text()
    assert await count_rows(settings.database_url, recordings) == 0


async def test_an_unknown_account_and_an_unknown_recording_are_404(client: Any) -> None:
    response = await client.post("/v1/recordings", json=recording_body())
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "account_not_found"
    response = await client.get("/v1/recordings/rec_nope")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "recording_not_found"
