"""The verified debtor's pages: the account, its actions, contact preferences, signing out.

Forms post back as plain HTML forms (no script needed) carrying the session's CSRF token; a
good post redirects to the account page (so a reload never posts twice), a bad one shows the
form again with each problem next to its field and nothing recorded.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from channels.events import Attachment
from gateway import clock
from gateway.appkeys import ENGINE, PORTAL_SESSIONS, REDIS, SETTINGS
from gateway.auth import PORTAL_SESSION
from gateway.conversations.attachments import store_files
from gateway.conversations.update_data import CALLBACK_WINDOWS, FREQUENCIES, HARDSHIP_TYPES
from gateway.db.engine import reading
from gateway.errors import ValidationFailed
from gateway.pages.portal_rendering import page
from gateway.portal import sessions
from gateway.portal.account_page import account_page
from gateway.portal.actions import KINDS, check_document, record_action
from gateway.portal.links import PREFIX
from gateway.portal.preferences import HOURS, LANGUAGES, preferences, save_preferences

routes = web.RouteTableDef()
_FIELD_MAX = 1000


@dataclass(frozen=True, slots=True)
class Field:
    """One input of an action's form; ``name`` is the raw key the update's normalisation reads."""

    name: str
    label: str
    kind: str = "text"  # text | date | select | textarea | file
    hint: str = ""
    options: tuple[tuple[str, str], ...] = ()
    required: bool = True
    min_date: str | None = None
    max_date: str | None = None


@dataclass(frozen=True, slots=True)
class ActionForm:
    """An action's page: what it is called, what it asks, what its button says."""

    kind: str
    title: str
    intro: str
    button: str
    fields: tuple[Field, ...]
    upload: bool = False


def _forms(today: str, horizon: str) -> dict[str, ActionForm]:
    amount = Field("amount", "Amount", hint="For example 50 or 50.00")
    return {
        form.kind: form
        for form in (
            ActionForm(
                "promise_to_pay",
                "Promise a payment",
                "Tell us how much you will pay and when. We will let the creditor know.",
                "Send my promise",
                (
                    amount,
                    Field("date", "Date you will pay", "date", min_date=today, max_date=horizon),
                ),
            ),
            ActionForm(
                "payment_plan_request",
                "Ask for a payment plan",
                "Tell us what you can pay regularly. A person will look at your request.",
                "Send my request",
                (
                    Field("amount", "Amount each time", hint="For example 25"),
                    Field(
                        "frequency",
                        "How often",
                        "select",
                        options=tuple((f, f.capitalize()) for f in sorted(FREQUENCIES)),
                    ),
                    Field("start_date", "First payment", "date", min_date=today, max_date=horizon),
                ),
            ),
            ActionForm(
                "already_paid",
                "Tell us you already paid",
                "If you paid already, tell us what you paid and when, and we will check.",
                "Send",
                (
                    Field("amount", "Amount you paid", required=False),
                    Field("date", "Date you paid", "date", required=False, max_date=today),
                    Field("detail", "Anything else we should know", "textarea", required=False),
                ),
            ),
            ActionForm(
                "hardship",
                "Tell us about money problems",
                "If something makes it hard to pay, tell us. A person will contact you.",
                "Send",
                (
                    Field(
                        "hardship_type",
                        "What happened",
                        "select",
                        options=tuple(
                            (t, t.replace("_", " ").capitalize()) for t in sorted(HARDSHIP_TYPES)
                        ),
                    ),
                    Field("detail", "Tell us more", "textarea", required=False),
                ),
            ),
            ActionForm(
                "dispute",
                "Dispute this debt",
                "If you think you do not owe all or part of this debt, tell us why. We will "
                "pause collection until we send you verification.",
                "Send my dispute",
                (
                    Field("reason", "Why you dispute the debt", "textarea"),
                    Field(
                        "document",
                        "A document that supports it",
                        "file",
                        hint="PDF, photo or text file",
                        required=False,
                    ),
                ),
                upload=True,
            ),
            ActionForm(
                "callback_request",
                "Ask us to call you back",
                "Choose a day and a part of the day, in your local time.",
                "Ask for a call",
                (
                    Field("when", "Day", "date", min_date=today, max_date=horizon),
                    Field(
                        "window",
                        "Part of the day",
                        "select",
                        options=tuple(
                            (w, f"{w.capitalize()} ({h})") for w, h in CALLBACK_WINDOWS.items()
                        ),
                    ),
                ),
            ),
        )
    }


def _context(request: web.Request, **more: Any) -> dict[str, Any]:
    return {"csrf_token": request[PORTAL_SESSION].csrf_token, **more}


@routes.get("/account")
async def account(request: web.Request) -> web.Response:
    """The account: balance, creditor, validation information, messages, recorded updates."""
    settings, session = request.config_dict[SETTINGS], request[PORTAL_SESSION]
    async with reading(request.config_dict[ENGINE]) as conn:
        data = await account_page(conn, session.account_id, settings, clock.utcnow())
    done = request.query.get("done")
    notice = "Thank you. We have recorded it and will let the creditor know." if done else None
    return page(request, "portal_account.j2", **_context(request, account=data, notice=notice))


def _form(request: web.Request) -> ActionForm:
    kind = request.match_info["kind"]
    if kind not in KINDS:
        raise web.HTTPNotFound()
    today = clock.utcnow().date()
    horizon = today + timedelta(days=request.config_dict[SETTINGS].bot_date_horizon_days)
    return _forms(today.isoformat(), horizon.isoformat())[kind]


def _action_page(
    request: web.Request, form: ActionForm, status: int = 200, **more: Any
) -> web.Response:
    more.setdefault("values", {})
    more.setdefault("errors", {})
    accept = ",".join(request.config_dict[SETTINGS].attachment_types)
    context = _context(request, form=form, nonce=secrets.token_urlsafe(16), accept=accept, **more)
    return page(request, "portal_action.j2", status=status, **context)


@routes.get("/actions/{kind}")
async def action_form(request: web.Request) -> web.Response:
    """The form of one action."""
    return _action_page(request, _form(request))


@routes.post("/actions/{kind}")
async def action_post(request: web.Request) -> web.StreamResponse:
    """Record the action as an account update; the form again with its problems otherwise."""
    form = _form(request)
    settings, session = request.config_dict[SETTINGS], request[PORTAL_SESSION]
    values, document = await _read_form(request, form)
    try:
        check_document(document, settings)
        if document is not None:
            store_files([document], settings)
        async with request.config_dict[ENGINE].begin() as conn:
            after = await record_action(
                conn,
                session,
                form.kind,
                values,
                settings,
                clock.utcnow(),
                nonce=values.get("nonce") or secrets.token_urlsafe(16),
                document=document,
            )
    except ValidationFailed as exc:
        errors = {d.get("field", "form"): d.get("message", exc.message) for d in exc.details or []}
        return _action_page(request, form, 422, values=values, errors=errors)
    await after.flush(request.config_dict[REDIS], settings)
    raise web.HTTPSeeOther(f"{PREFIX}/account?done={form.kind}")


async def _read_form(
    request: web.Request, form: ActionForm
) -> tuple[dict[str, str], Attachment | None]:
    """The form's text fields (trimmed, bounded) and its file, if one was chosen. The body was
    read already by the CSRF check; ``post()`` keeps it."""
    names = {f.name for f in form.fields} | {"nonce"}
    values: dict[str, str] = {}
    document = None
    for name, value in (await request.post()).items():
        if name not in names:
            continue
        if isinstance(value, FileField):
            content = value.file.read(request.config_dict[SETTINGS].attachment_max_bytes + 1)
            if value.filename and content:
                document = Attachment(value.filename, value.content_type, content)
        else:
            values[name] = str(value)[:_FIELD_MAX].strip()
    return values, document


@routes.get("/preferences")
async def preferences_page(request: web.Request) -> web.Response:
    """Stop or allow each channel and address, the language, the best time to call."""
    async with reading(request.config_dict[ENGINE]) as conn:
        prefs = await preferences(conn, request[PORTAL_SESSION].account_id)
    return _preferences(request, prefs)


def _preferences(
    request: web.Request, prefs: dict[str, Any], status: int = 200, **more: Any
) -> web.Response:
    more.setdefault("errors", {})
    more.setdefault("notice", None)
    context = _context(request, prefs=prefs, languages=LANGUAGES, hours=HOURS, **more)
    return page(request, "portal_preferences.j2", status=status, **context)


@routes.post("/preferences")
async def preferences_post(request: web.Request) -> web.Response:
    """Apply the preferences at once (consent ledger, source ``portal``)."""
    session = request[PORTAL_SESSION]
    posted = await request.post()
    form = {k: str(v)[:_FIELD_MAX] for k, v in posted.items()}
    engine = request.config_dict[ENGINE]
    try:
        async with engine.begin() as conn:
            changed = await save_preferences(conn, session, form, clock.utcnow())
    except ValidationFailed as exc:
        errors = {d["field"]: d["message"] for d in exc.details or []}
        async with reading(engine) as conn:
            prefs = await preferences(conn, session.account_id)
        return _preferences(request, prefs, 422, errors=errors)
    async with reading(engine) as conn:
        prefs = await preferences(conn, session.account_id)
    notice = "Saved: " + "; ".join(changed) + "." if changed else "Nothing changed."
    return _preferences(request, prefs, notice=notice)


@routes.post("/logout")
async def logout(request: web.Request) -> web.Response:
    """End the session on the server and in the browser."""
    await request.config_dict[PORTAL_SESSIONS].end(request[PORTAL_SESSION].session_id)
    response = page(request, "portal_signed_out.j2")
    response.del_cookie(sessions.COOKIE, path=PREFIX)
    return response
