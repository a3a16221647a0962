"""Health, readiness, metrics, the OpenAPI document, and the schema against its migration."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from gateway.api.openapi import build_document
from gateway.cli.embedded_redis import free_port
from gateway.config import Settings
from gateway.db.engine import create_engine
from gateway.db.tables import metadata


async def test_healthz_and_readyz(client: Any) -> None:
    assert (await client.get("/healthz", headers={"Authorization": ""})).status == 200
    ready = await client.get("/readyz", headers={"Authorization": ""})
    assert ready.status == 200
    assert await ready.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}


async def test_readyz_says_which_dependency_is_down(settings: Settings, gateway: Any) -> None:
    down = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    client = await gateway(down, token=None)
    response = await client.get("/readyz")
    body = await response.json()
    assert response.status == 503
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("failed")


async def test_metrics_count_requests_by_route(client: Any) -> None:
    await client.get("/v1/accounts/A-9")
    text = await (await client.get("/metrics")).text()
    assert (
        'parley_http_requests_total{method="GET",route="/v1/accounts/{ref}",status="404"} 1.0'
        in text
    )


async def test_unknown_route_is_a_json_404(client: Any) -> None:
    response = await client.get("/v1/nothing-here")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


async def test_openapi_matches_the_router(client: Any) -> None:
    served = await (await client.get("/v1/openapi.json", headers={"Authorization": ""})).json()
    assert served == build_document()
    routes = {
        (r.resource.canonical, r.method.lower())
        for r in client.app.router.routes()
        if r.method != "HEAD" and r.resource is not None
    }
    documented = {
        (path, m) for path, ops in served["paths"].items() for m in ops if m != "parameters"
    }
    assert routes == documented
    outreach = served["components"]["schemas"]["OutreachIn"]
    assert set(outreach["properties"]) == {
        "account_ref",
        "channel",
        "template",
        "variables",
        "purpose",
    }


async def test_migrations_build_exactly_the_declared_schema(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    await engine.dispose()
    assert diff == []
