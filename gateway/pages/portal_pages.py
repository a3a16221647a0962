"""``/portal``: the debtor portal's pages, the web chat's socket and the portal's static files.

Every route needs a live debtor session (``gateway.auth.portal_session``) except the link's
landing page, where the session starts, and the static files. Pages are rendered on the server
and work without scripts; only the chat needs its small ES module.
"""

from __future__ import annotations

import secrets

from aiohttp import web

from gateway import clock
from gateway.appkeys import ENGINE, PORTAL_SESSIONS, REDIS, SETTINGS
from gateway.auth import Scheme, portal_session, secured
from gateway.conversations.after_commit import AfterCommit
from gateway.conversations.agent_events import WAITING, AgentEvent
from gateway.db.engine import reading
from gateway.pages.agent_pages import STATIC_DIR
from gateway.pages.portal_account_pages import routes as account_routes
from gateway.pages.portal_chat_socket import routes as chat_routes
from gateway.pages.portal_rendering import SECURITY_HEADERS, page
from gateway.pages.templating import setup_templates
from gateway.portal import sessions
from gateway.portal.access import LOCK_REASON, check_answer
from gateway.portal.links import PREFIX, usable_link
from gateway.server_sessions import tokens_match

OPENERS = frozenset({"/portal/{token}", "/portal/static"})
routes = web.RouteTableDef()
# The landing form's own CSRF token (no session exists yet): a cookie and a field that match.
CHECK_COOKIE = "parley_portal_check"
_ANSWER_MAX = 100


def _ended(request: web.Request) -> web.StreamResponse:
    if request.path.startswith("/portal/ws"):
        return web.json_response(
            {"error": {"code": "no_session", "message": "open your link again to sign in"}},
            status=401,
        )
    return page(request, "portal_ended.j2", status=401)


def _unavailable(request: web.Request) -> web.Response:
    # Unknown, expired, revoked and locked links all look alike: no oracle for tokens.
    phone = request.config_dict[SETTINGS].collector_phone
    return page(request, "portal_unavailable.j2", status=404, phone=phone)


def _landing(request: web.Request, status: int = 200, error: str | None = None) -> web.Response:
    settings = request.config_dict[SETTINGS]
    check = secrets.token_urlsafe(24)
    response = page(
        request,
        "portal_landing.j2",
        status=status,
        fact=settings.bot_verification_fact,
        check=check,
        error=error,
        today=clock.utcnow().date().isoformat(),
    )
    response.set_cookie(
        CHECK_COOKIE,
        check,
        path=request.path,
        httponly=True,
        samesite="Strict",
        secure=settings.secure_cookies,
    )
    return response


@routes.get("/{token}")
async def landing(request: web.Request) -> web.Response:
    """Ask for the verification fact; names nothing about a debt and changes nothing (mail
    scanners and link previews open every link)."""
    async with reading(request.config_dict[ENGINE]) as conn:
        link = await usable_link(conn, request.match_info["token"], clock.utcnow())
    return _unavailable(request) if link is None else _landing(request)


@routes.post("/{token}")
async def answer(request: web.Request) -> web.StreamResponse:
    """Check the answer; a right one starts a session and opens the account page."""
    settings = request.config_dict[SETTINGS]
    form = await request.post()
    presented, expected = str(form.get("check", "")), request.cookies.get(CHECK_COOKIE, "")
    if not expected or not tokens_match(presented, expected):
        return _landing(request, 403, "Your browser blocked part of this page. Please try again.")
    value = str(form.get("answer", ""))[:_ANSWER_MAX]
    now = clock.utcnow()
    async with request.config_dict[ENGINE].begin() as conn:
        link = await usable_link(conn, request.match_info["token"], now, lock=True)
        if link is None:
            return _unavailable(request)
        result = await check_answer(conn, link, value, settings, now)
    if result.outcome == "locked":
        after = AfterCommit(updates=list(result.updates))
        if result.conversation_id is not None:
            after.events.append(
                AgentEvent(WAITING, result.conversation_id, {"reason": LOCK_REASON})
            )
        await after.flush(request.config_dict[REDIS], settings)
        return page(request, "portal_locked.j2", status=403, phone=settings.collector_phone)
    if result.outcome != "verified" or result.conversation_id is None:
        if result.outcome == "unparsed":
            hint = (
                "a date like 1980-04-30"
                if settings.bot_verification_fact == "date_of_birth"
                else "five digits"
            )
            return _landing(request, 422, f"Please enter {hint}.")
        tries = "try" if result.attempts_left == 1 else "tries"
        message = f"That does not match our records. You have {result.attempts_left} {tries} left."
        return _landing(request, 422, message)
    session = await request.config_dict[PORTAL_SESSIONS].start(
        account_id=link.account_id,
        account_ref=link.account_ref,
        link_id=link.id,
        conversation_id=result.conversation_id,
    )
    response = web.Response(status=303, headers={"Location": f"{PREFIX}/account"})
    response.headers.update(SECURITY_HEADERS)
    response.set_cookie(
        sessions.COOKIE,
        session.session_id,
        path=PREFIX,
        httponly=True,
        samesite="Strict",
        secure=settings.secure_cookies,
    )
    response.del_cookie(CHECK_COOKIE, path=request.path)
    return response


def portal_pages() -> web.Application:
    """The portal sub-application: static files, the session's pages, and last the link's
    landing page (its ``/{token}`` would otherwise swallow the fixed paths)."""
    app = secured(Scheme.PORTAL_SESSION, portal_session(OPENERS, _ended))
    setup_templates(app)
    app.router.add_static("/static", STATIC_DIR, append_version=True)
    app.add_routes(account_routes)
    app.add_routes(chat_routes)
    app.add_routes(routes)
    return app
