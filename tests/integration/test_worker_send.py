"""The send job with a real arq worker, real Redis and both databases."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from arq.connections import RedisSettings, create_pool
from arq.worker import create_worker, get_kwargs
from helpers import PHONE, account_body, outreach_body, select_rows
from sqlalchemy import select, update

from channels.base import OutboundMessage, ProviderError, SendResult
from channels.console import ConsoleProvider
from gateway import clock
from gateway.db.engine import create_engine
from gateway.db.tables import contact_events, messages, outreach
from gateway.records.audit import verify
from gateway.worker.jobs import SendJob, enqueue_sends
from policies.channels import CHANNELS

DAYTIME = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def daytime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "utcnow", lambda: DAYTIME)


def outbox(settings: Any) -> list[dict[str, Any]]:
    path = settings.var_dir / "outbox" / "console.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


async def accept(client: Any, key: str = "k1", **overrides: Any) -> str:
    response = await client.post(
        "/v1/outreach", json=outreach_body(**overrides), headers={"Idempotency-Key": key}
    )
    assert response.status == 202, await response.text()
    return str((await response.json())["id"])


async def status_of(client: Any, oid: str) -> dict[str, Any]:
    return dict(await (await client.get(f"/v1/outreach/{oid}")).json())


async def test_worker_renders_sends_and_records(client: Any, settings: Any, drain: Any) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    oid = await accept(client)
    await drain()

    (sent,) = outbox(settings)
    assert sent["to"] == PHONE
    assert "Reply STOP to opt out" in sent["body"]
    assert settings.collector_name in sent["body"]
    assert "Dana" in sent["body"]
    body = await status_of(client, oid)
    assert body["status"] == "sent"
    assert [e["status"] for e in body["timeline"]] == ["queued", "sending", "sent"]
    assert body["timeline"][-1]["detail"]["provider_id"] == sent["provider_id"]

    account = await (await client.get("/v1/accounts/A-1")).json()
    assert account["contact_counts"]["sms"]["1d"] == 1
    engine = create_engine(settings.database_url)
    async with engine.connect() as conn:
        report = await verify(conn)
        events = (await conn.execute(select(contact_events))).all()
    await engine.dispose()
    assert report.ok
    assert report.rows >= 5
    assert [(e.channel, e.outcome) for e in events] == [("sms", "sent")]


async def test_stop_after_intake_blocks_at_send_time(
    client: Any, settings: Any, drain: Any
) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    oid = await accept(client)
    revoked = account_body(contacts=[{"channel": "sms", "address": PHONE, "consent": False}])
    await client.put("/v1/accounts/A-1", json=revoked)
    await drain()
    assert outbox(settings) == []
    body = await status_of(client, oid)
    assert body["status"] == "blocked"
    assert [r["rule"] for r in body["decision"]["reasons"]] == ["opted_out"]


async def test_a_second_run_of_the_job_never_sends_twice(
    client: Any, settings: Any, drain: Any, redis: Any
) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    oid = await accept(client)
    await drain()
    await redis.flushdb()  # lose the result key: the job may run again
    await enqueue_sends(redis, [SendJob(oid)])
    await drain()
    assert len(outbox(settings)) == 1


class FlakyProvider(ConsoleProvider):
    """Console provider that refuses the first ``failures`` sends with a given error."""

    def __init__(self, settings: Any, failures: int, *, retryable: bool) -> None:
        super().__init__(settings.var_dir / "outbox" / "console.jsonl", echo=False)
        self.failures = failures
        self.retryable = retryable
        self.calls = 0

    async def send(self, message: OutboundMessage) -> SendResult:
        self.calls += 1
        if self.calls <= self.failures:
            raise ProviderError(
                "503" if self.retryable else "21211", "refused", retryable=self.retryable
            )
        return await super().send(message)


async def _with_provider(drain: Any, provider: Any) -> None:
    await drain(ctx={"settings": drain.settings, "providers": dict.fromkeys(CHANNELS, provider)})


async def test_retryable_provider_errors_retry_with_backoff(
    client: Any, settings: Any, drain: Any
) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    oid = await accept(client)
    provider = FlakyProvider(settings, failures=2, retryable=True)
    await _with_provider(drain, provider)
    assert provider.calls == 3
    body = await status_of(client, oid)
    assert body["status"] == "sent"
    statuses = [e["status"] for e in body["timeline"]]
    assert statuses.count("retrying") == 2
    assert statuses[-1] == "sent"
    codes = [e["detail"]["code"] for e in body["timeline"] if e["status"] == "retrying"]
    assert codes == ["503", "503"]
    # One message, tried three times: every attempt is on its timeline.
    (message,) = await select_rows(settings.database_url, select(messages))
    assert (message.status, message.error_code) == ("sent", None)


async def test_permanent_provider_error_fails_the_outreach(
    client: Any, settings: Any, drain: Any
) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    oid = await accept(client)
    provider = FlakyProvider(settings, failures=1, retryable=False)
    await _with_provider(drain, provider)
    body = await status_of(client, oid)
    assert provider.calls == 1
    assert body["status"] == "failed"
    assert body["timeline"][-1]["detail"]["code"] == "21211"


@pytest.mark.parametrize("provider_got_it", [True, False])
async def test_a_send_stuck_in_sending_is_reconciled_not_resent(
    client: Any, settings: Any, drain: Any, redis: Any, provider_got_it: bool
) -> None:
    await client.put("/v1/accounts/A-1", json=account_body())
    oid = await accept(client)
    await drain()
    # Rewind to the state a worker leaves when it dies after the provider call.
    engine = create_engine(settings.database_url)
    async with engine.begin() as conn:
        await conn.execute(update(outreach).values(status="sending"))
        await conn.execute(update(messages).values(status="sending", provider_id=None))
    await engine.dispose()
    if not provider_got_it:
        (settings.var_dir / "outbox" / "console.jsonl").unlink()
    await redis.flushdb()
    await enqueue_sends(redis, [SendJob(oid)])
    await drain()
    assert len(outbox(settings)) == 1
    body = await status_of(client, oid)
    assert body["status"] == "sent"
    if not provider_got_it:
        assert "reconciled" in body["timeline"][-3]["detail"]["reason"]


async def test_requeue_sweep_enqueues_lost_jobs(
    client: Any, settings: Any, drain: Any, redis: Any, monkeypatch: Any
) -> None:
    from datetime import timedelta

    from gateway.worker.requeue import requeue_outreach

    await client.put("/v1/accounts/A-1", json=account_body())
    oid = await accept(client)
    await redis.flushdb()  # Redis lost the job
    monkeypatch.setattr(clock, "utcnow", lambda: DAYTIME + timedelta(minutes=10))
    engine = create_engine(settings.database_url)
    assert await requeue_outreach(engine, redis, settings) == 1
    assert await requeue_outreach(engine, redis, settings) == 0
    await engine.dispose()
    await drain()
    assert (await status_of(client, oid))["status"] == "sent"


async def test_arq_runs_the_worker_from_its_settings_class(
    settings: Any, redis: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``arq gateway.worker.main.WorkerSettings`` works as arq intends: Redis, concurrency
    and polling on the class, read from the PARLEY_* environment."""
    for name, value in {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_dsn,
        "VAR_DIR": str(settings.var_dir),
        "WORKER_MAX_JOBS": "7",
        "WORKER_POLL_DELAY_SECONDS": "0.05",
    }.items():
        monkeypatch.setenv(f"PARLEY_{name}", value)
    main = importlib.reload(importlib.import_module("gateway.worker.main"))
    options = get_kwargs(main.WorkerSettings)
    assert (options["max_jobs"], options["poll_delay"]) == (7, 0.05)
    assert options["redis_settings"] == RedisSettings.from_dsn(settings.redis_dsn)
    pool = await create_pool(options["redis_settings"])
    job = await pool.enqueue_job("send_message", "msg_nobody")
    assert job is not None
    worker = create_worker(main.WorkerSettings, burst=True, handle_signals=False)
    try:
        await worker.main()
        assert await job.result(timeout=5) == "missing"
    finally:
        await worker.close()
        await pool.aclose()
