"""The job that routes an inbound message a webhook stored (keywords, bot turn or agent)."""

from __future__ import annotations

from typing import Any

from gateway.conversations.inbound import dispatch, route_stored


async def route_inbound(ctx: dict[str, Any], message_id: str) -> str:
    """Route one stored message; a message routed already is left alone."""
    async with ctx["engine"].begin() as conn:
        routed = await route_stored(conn, message_id, ctx["settings"])
    if routed is None:
        return "already routed"
    await dispatch(ctx["redis"], ctx["settings"], routed)
    return routed.route
