"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from gateway.appkeys import ENGINE, REDIS, REGISTRY
from gateway.db.engine import reading
from gateway.db.migrate import ensure_migrated

routes = web.RouteTableDef()
CHECK_TIMEOUT = 2.0


@routes.get("/healthz")
async def healthz(_request: web.Request) -> web.Response:
    """The process is up and serving."""
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """Ready when the database (migrated) and Redis both answer."""

    async def database() -> None:
        engine = request.config_dict[ENGINE]
        async with reading(engine) as conn:
            await conn.execute(text("SELECT 1"))
        await ensure_migrated(engine)

    async def redis() -> None:
        await request.config_dict[REDIS].ping()

    checks: dict[str, str] = {}
    for name, check in (("database", database), ("redis", redis)):
        try:
            await asyncio.wait_for(check(), CHECK_TIMEOUT)
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"failed: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return web.json_response(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status=200 if ready else 503,
    )


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    """Prometheus text exposition."""
    body = generate_latest(request.config_dict[REGISTRY])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
