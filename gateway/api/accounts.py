"""Accounts and their contact history."""

from __future__ import annotations

from aiohttp import web
from pydantic import TypeAdapter, ValidationError

from gateway import clock
from gateway.api.parsing import parse_address, read_model
from gateway.api.schemas import AccountIn, ContactEventsIn, Ref
from gateway.appkeys import ENGINE, SETTINGS
from gateway.db.engine import reading
from gateway.db.tables import contact_events
from gateway.db.upsert import dialect_insert
from gateway.errors import ValidationFailed
from gateway.records import audit
from gateway.records.account_view import account_view
from gateway.records.accounts import find_account_id, upsert_account
from gateway.records.audit import AuditEntry, account_chain
from gateway.records.validation import record_first_communication

routes = web.RouteTableDef()
_REF = TypeAdapter(Ref)


def account_ref(request: web.Request) -> str:
    """The ``{ref}`` path segment, checked like any other field."""
    try:
        return _REF.validate_python(request.match_info["ref"])
    except ValidationError:
        raise ValidationFailed(
            "invalid account_ref in the path",
            details=[{"field": "account_ref", "message": "1-128 of A-Z a-z 0-9 . _ : -"}],
        ) from None


@routes.put("/accounts/{ref}")
async def put_account(request: web.Request) -> web.Response:
    """Create or update an account with its contact points, consent and flags."""
    ref = account_ref(request)
    body = await read_model(request, AccountIn)
    settings = request.config_dict[SETTINGS]
    now = clock.utcnow()
    async with request.config_dict[ENGINE].begin() as conn:
        result = await upsert_account(
            conn,
            ref,
            body,
            now=now,
            identity_key=settings.identity_key.get_secret_value().encode(),
        )
        view = await account_view(conn, ref, now=now, ruleset_override=settings.ruleset)
    if result.notes:
        view["notes"] = list(result.notes)
    return web.json_response(view, status=201 if result.created else 200)


@routes.get("/accounts/{ref}")
async def get_account(request: web.Request) -> web.Response:
    """The account, consent per contact point, holds and recent contact counts."""
    ref = account_ref(request)
    override = request.config_dict[SETTINGS].ruleset
    async with reading(request.config_dict[ENGINE]) as conn:
        view = await account_view(conn, ref, now=clock.utcnow(), ruleset_override=override)
    return web.json_response(view)


# Imported events that were communications with the consumer: they start the validation clock.
REACHED = frozenset({"conversation", "delivered", "sent"})


@routes.post("/accounts/{ref}/contact-events")
async def post_contact_events(request: web.Request) -> web.Response:
    """Import contact history from other systems (deduplicated on ``external_id``)."""
    ref = account_ref(request)
    body = await read_model(request, ContactEventsIn)
    rows = []
    for i, event in enumerate(body.events):
        address = None
        if event.address is not None:
            address = parse_address(event.channel, event.address, f"events.{i}.address")
        rows.append(event.model_dump() | {"address": address, "source": "import"})
    now = clock.utcnow()
    async with request.config_dict[ENGINE].begin() as conn:
        account_id = await find_account_id(conn, ref)
        result = await conn.execute(
            dialect_insert(conn, contact_events)
            .on_conflict_do_nothing()
            .returning(contact_events.c.id),
            [r | {"account_id": account_id} for r in rows],
        )
        imported = len(result.all())
        reached = [
            r["at"] for r in rows if r["direction"] == "outbound" and r["outcome"] in REACHED
        ]
        if reached:
            await record_first_communication(conn, account_id, min(reached))
        await audit.append(
            conn,
            [
                AuditEntry(
                    account_chain(ref),
                    "contact_events.imported",
                    now,
                    {"received": len(rows), "imported": imported},
                    ref,
                )
            ],
        )
    return web.json_response(
        {"received": len(rows), "imported": imported, "duplicates": len(rows) - imported},
        status=201,
    )
