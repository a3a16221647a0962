"""Portal links: minted by the core API, kept only as hashes, expiring, revocable; the landing
page shows nothing of the debt and changes nothing; the identity check locks a link after too
many wrong answers; every unusable link looks the same."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from helpers import count_rows, select_rows
from portal_helpers import DOB, answer, new_link, portal_account, sign_in
from sqlalchemy import select, update

from gateway.config import Settings
from gateway.db.engine import create_engine
from gateway.db.tables import (
    account_updates,
    audit_log,
    contact_events,
    conversations,
    portal_links,
)
from gateway.portal.links import token_hash

SECRET_WORDS = ("Acme Bank", "432.10", "Dana", "Debtor", "A-1")


@pytest.fixture
async def portal(client: Any) -> Any:
    assert (await client.put("/v1/accounts/A-1", json=portal_account())).status == 201
    return client


async def test_a_link_is_random_hashed_and_built_from_the_public_url(
    settings: Settings, gateway: Any
) -> None:
    settings = settings.model_copy(update={"public_url": "https://pay.example.com"})
    client = await gateway(settings)
    await client.put("/v1/accounts/A-1", json=portal_account())
    before = datetime.now(UTC)
    response = await client.post(
        "/v1/accounts/A-1/portal-links", json={}, headers={"Host": "evil.example"}
    )
    assert response.status == 201
    body = await response.json()
    assert body["url"].startswith("https://pay.example.com/portal/")
    token = body["url"].rsplit("/", 1)[1]
    assert len(token) >= 22  # at least 128 bits of base64url
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert timedelta(hours=71, minutes=59) < expires - before <= timedelta(hours=72, minutes=1)
    rows = await select_rows(settings.database_url, select(portal_links))
    assert [r.token_hash for r in rows] == [token_hash(token)]
    assert token not in repr([tuple(r) for r in rows])
    other = await client.post("/v1/accounts/A-1/portal-links", json={"expires_in_hours": 2})
    assert (await other.json())["url"] != body["url"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"expires_in_hours": 0}, "expires_in_hours"),
        ({"expires_in_hours": 24 * 91}, "expires_in_hours"),
        ({"expires_in_hours": "3"}, "expires_in_hours"),
        ({"ttl": 3}, "ttl"),
    ],
)
async def test_bad_link_requests_are_refused_naming_the_field(
    portal: Any, settings: Settings, body: dict[str, Any], field: str
) -> None:
    response = await portal.post("/v1/accounts/A-1/portal-links", json=body)
    assert response.status == 422
    assert (await response.json())["error"]["details"][0]["field"] == field
    assert await count_rows(settings.database_url, portal_links) == 0


async def test_a_link_of_an_unknown_account_is_404(portal: Any) -> None:
    response = await portal.post("/v1/accounts/NOPE/portal-links", json={})
    assert response.status == 404


async def test_the_landing_page_names_no_debt_and_a_scanner_changes_nothing(
    portal: Any, settings: Settings
) -> None:
    path = await new_link(portal)
    audit_before = await count_rows(settings.database_url, audit_log)
    links_before = await select_rows(settings.database_url, select(portal_links))
    for _ in range(3):  # a mail scanner, a link preview, the debtor
        page = await portal.get(path)
        assert page.status == 200
        html = await page.text()
        assert not [word for word in SECRET_WORDS if word in html]
        assert settings.voice_business_name in html
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        assert "parley_portal=" not in page.headers.get("Set-Cookie", "")
    assert await count_rows(settings.database_url, audit_log) == audit_before
    assert await select_rows(settings.database_url, select(portal_links)) == links_before
    assert await count_rows(settings.database_url, conversations) == 0


async def test_the_right_answer_opens_the_account_and_records_a_right_party_contact(
    portal: Any, settings: Settings
) -> None:
    response = await answer(portal, await new_link(portal), DOB)
    assert response.status == 303
    assert response.headers["Location"] == "/portal/account"
    cookie = response.cookies["parley_portal"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/portal"
    page = await portal.get("/portal/account")
    html = await page.text()
    assert "$432.10" in html
    assert "Acme Bank" in html
    events = await select_rows(settings.database_url, select(contact_events))
    assert [(e.channel, e.outcome) for e in events] == [("chat", "conversation")]
    (conversation,) = await select_rows(settings.database_url, select(conversations))
    assert conversation.channel == "chat"
    assert conversation.verified_at is not None


async def test_three_wrong_answers_lock_the_link_for_agents(
    portal: Any, settings: Settings
) -> None:
    path = await new_link(portal)
    texts = []
    for _ in range(settings.bot_verify_attempts):
        response = await answer(portal, path, "1990-01-01")
        texts.append((response.status, await response.text()))
    assert [status for status, _ in texts] == [422, 422, 403]
    assert "2 tries left" in texts[0][1]
    assert "1 try left" in texts[1][1]
    assert "locked" in texts[2][1]
    # Locked now: even the right answer, or a look at the page, gets nowhere.
    assert (await portal.get(path)).status == 404
    (link,) = await select_rows(settings.database_url, select(portal_links))
    assert link.locked_at is not None
    assert link.attempts == 3
    (conversation,) = await select_rows(settings.database_url, select(conversations))
    assert conversation.state == "escalated"
    assert conversation.verified_at is None
    updates = await select_rows(settings.database_url, select(account_updates))
    assert [(u.kind, u.data["reason"]) for u in updates] == [
        ("handoff", "portal_identity_not_verified")
    ]


async def test_every_unusable_link_gets_the_same_page(portal: Any, settings: Settings) -> None:
    expired, revoked, locked = [await new_link(portal) for _ in range(3)]
    engine = create_engine(settings.database_url)
    async with engine.begin() as conn:
        await conn.execute(
            update(portal_links)
            .where(portal_links.c.token_hash == token_hash(expired.rsplit("/", 1)[1]))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await conn.execute(
            update(portal_links)
            .where(portal_links.c.token_hash == token_hash(locked.rsplit("/", 1)[1]))
            .values(locked_at=datetime.now(UTC))
        )
    await engine.dispose()
    assert (await portal.delete("/v1/accounts/A-1/portal-links")).status == 200
    assert (await (await portal.delete("/v1/accounts/A-1/portal-links")).json()) == {"revoked": 0}
    pages = []
    for path in (expired, revoked, locked, "/portal/forged-token-0123456789abcdef", "/portal/x"):
        response = await portal.get(path)
        pages.append((response.status, await response.text()))
        check = await portal.post(path, data={"check": "c", "answer": DOB}, allow_redirects=False)
        assert check.status in (403, 404)
    assert len(set(pages)) == 1
    assert pages[0][0] == 404


async def test_the_landing_form_refuses_a_post_from_elsewhere(portal: Any) -> None:
    path = await new_link(portal)
    response = await portal.post(path, data={"check": "forged", "answer": DOB})
    assert response.status == 403
    assert "parley_portal=" not in response.headers.get("Set-Cookie", "")


async def test_a_link_of_account_a_never_shows_account_b(portal: Any, settings: Settings) -> None:
    other = portal_account(creditor="Zenith Credit", balance={"amount": "99.00", "currency": "USD"})
    other["contacts"] = [{"channel": "sms", "address": "+13125550199", "consent": True}]
    assert (await portal.put("/v1/accounts/B-2", json=other)).status == 201
    signed = await sign_in(portal, "A-1")
    html = await (await portal.get("/portal/account")).text()
    assert "Acme Bank" in html
    assert "Zenith Credit" not in html
    assert "$99.00" not in html
    prefs = await (await portal.get("/portal/preferences")).text()
    assert "0199" not in prefs
    response = await signed.post_form(
        "/portal/actions/promise_to_pay", {"amount": "20", "date": _in_days(3), "nonce": "n1"}
    )
    assert response.status == 303
    rows = await select_rows(settings.database_url, select(account_updates))
    assert {r.account_id for r in rows} == {1}


async def test_signing_out_ends_the_session(portal: Any) -> None:
    signed = await sign_in(portal)
    assert (await signed.post_form("/portal/logout", {})).status == 200
    assert (await portal.get("/portal/account")).status == 401


async def test_a_link_token_never_reaches_the_logs(
    portal: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    path = await new_link(portal)
    token = path.rsplit("/", 1)[1]
    await answer(portal, path, "1990-01-01")
    await answer(portal, path, DOB)
    await portal.get("/portal/account")

    async def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    # An unexpected failure on the landing page is logged with the route, not the path.
    monkeypatch.setattr("gateway.pages.portal_pages.usable_link", broken)
    assert (await portal.get(path)).status == 500
    lines = [record.getMessage() for record in caplog.records]
    assert "unhandled error on GET /portal/{token}" in lines
    assert not [line for line in lines if token in line]


def _in_days(days: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()
