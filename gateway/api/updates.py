"""Reading an account's updates, oldest first, page by page with a cursor."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from gateway.api.accounts import account_ref
from gateway.appkeys import ENGINE
from gateway.db.engine import reading
from gateway.db.tables import account_updates
from gateway.errors import ValidationFailed
from gateway.records.accounts import find_account_id
from gateway.records.updates import public_update

routes = web.RouteTableDef()

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
# Cursors are update ids today (clients treat them as opaque strings); ids are 64-bit.
MAX_CURSOR = 2**63 - 1


@routes.get("/accounts/{ref}/updates")
async def get_updates(request: web.Request) -> web.Response:
    """``?after=<cursor>&limit=<1..500>`` → ``{"updates": [...], "next": cursor, "has_more"}``.

    ``next`` is never null: it is the cursor after the last update returned, or the ``after``
    given when the page is empty, so a client polls for new updates by passing it back as
    ``after``. ``has_more`` says whether more updates are already waiting past ``next``.
    """
    ref = account_ref(request)
    after = _cursor(request.query.get("after"))
    limit = _limit(request.query.get("limit"))
    async with reading(request.config_dict[ENGINE]) as conn:
        account_id = await find_account_id(conn, ref)
        # One row more than asked tells whether another page is already there.
        rows = (
            await conn.execute(
                select(account_updates)
                .where(account_updates.c.account_id == account_id, account_updates.c.id > after)
                .order_by(account_updates.c.id)
                .limit(limit + 1)
            )
        ).all()
    page = rows[:limit]
    return web.json_response(
        {
            "updates": [public_update(row, ref) for row in page],
            "next": str(page[-1].id if page else after),
            "has_more": len(rows) > limit,
        }
    )


def _cursor(value: str | None) -> int:
    if value is None:
        return 0
    cursor = _bounded_int(value, MAX_CURSOR)
    if cursor is None:
        raise ValidationFailed(
            "invalid cursor in after",
            details=[{"field": "after", "message": "use the next value of a previous page"}],
            code="invalid_cursor",
        )
    return cursor


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    limit = _bounded_int(value, MAX_LIMIT)
    if limit is None or limit < 1:
        raise ValidationFailed(
            f"limit must be an integer from 1 to {MAX_LIMIT}",
            details=[{"field": "limit", "message": f"an integer from 1 to {MAX_LIMIT}"}],
        )
    return limit


def _bounded_int(value: str, high: int) -> int | None:
    """The decimal integer in 0..high that ``value`` spells, else None."""
    # The length check comes first: int() of thousands of digits is slow, then an error.
    if value.isascii() and value.isdigit() and len(value) <= len(str(high)):
        number = int(value)
        if number <= high:
            return number
    return None
