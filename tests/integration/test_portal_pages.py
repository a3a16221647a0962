"""The verified debtor's pages: actions become account updates like the bot's and the agent's,
preferences change consent at once, forms need the session's CSRF token, a link goes out in
an outreach's text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import FormData
from helpers import count_rows, outreach_body, select_rows
from portal_helpers import DOB, Portal, answer, portal_account, sign_in
from shared import Drainer
from sqlalchemy import select

from gateway import clock
from gateway.config import Settings
from gateway.db.tables import (
    account_updates,
    accounts,
    attachments,
    consent_events,
    messages,
    portal_links,
)

PDF = b"%PDF-1.4\n% a dispute letter\n"
NOON = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # Tuesday 12:00 in Chicago, in the past


@pytest.fixture(autouse=True)
def noon(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "utcnow", lambda: NOON)


@pytest.fixture
async def signed(client: Any) -> Portal:
    assert (await client.put("/v1/accounts/A-1", json=portal_account())).status == 201
    return await sign_in(client)


def _day(days: int) -> str:
    return (NOON.date() + timedelta(days=days)).isoformat()


async def _updates(settings: Settings) -> list[Any]:
    return await select_rows(settings.database_url, select(account_updates))


async def test_a_promise_is_an_account_update_like_the_bots(
    signed: Portal, settings: Settings
) -> None:
    form = {"amount": "$50", "date": _day(5), "nonce": "once"}
    response = await signed.post_form("/portal/actions/promise_to_pay", form)
    assert response.status == 303
    assert response.headers["Location"] == "/portal/account?done=promise_to_pay"
    again = await signed.post_form("/portal/actions/promise_to_pay", form)  # a double click
    assert again.status == 303
    (update,) = await _updates(settings)
    assert (update.kind, update.source) == ("promise_to_pay", "portal")
    assert update.data["amount"] == "50.00"
    assert update.data["date"] == _day(5)
    page = await (await signed.client.get("/portal/account?done=promise_to_pay")).text()
    assert "Promise to pay" in page
    assert "$50.00" in page
    assert "Thank you" in page
    api = await (await signed.client.get("/v1/accounts/A-1/updates")).json()
    assert [u["source"] for u in api["updates"]] == ["portal"]


@pytest.mark.parametrize(
    ("kind", "form", "field"),
    [
        ("promise_to_pay", {"amount": "", "date": "2026-01-01"}, "amount"),
        ("promise_to_pay", {"amount": "-5", "date": "2099-01-01"}, "amount"),
        ("promise_to_pay", {"amount": "5000", "date": "2099-01-01"}, "amount"),
        ("callback_request", {"when": "2001-01-01", "window": "morning"}, "when"),
        ("callback_request", {"when": "2099-01-01", "window": "midnight"}, "window"),
    ],
)
async def test_bad_actions_show_the_form_again_and_record_nothing(
    signed: Portal, settings: Settings, kind: str, form: dict[str, str], field: str
) -> None:
    response = await signed.post_form(f"/portal/actions/{kind}", form)
    assert response.status == 422
    html = await response.text()
    assert f'href="#{field}"' in html
    assert 'aria-invalid="true"' in html
    assert await _updates(settings) == []


async def test_every_action_records_its_kind(signed: Portal, settings: Settings) -> None:
    forms = {
        "payment_plan_request": {"amount": "25", "frequency": "monthly", "start_date": _day(7)},
        "hardship": {"hardship_type": "medical", "detail": "in hospital"},
        "callback_request": {"when": _day(1), "window": "evening"},
        "already_paid": {"amount": "100", "date": _day(-3)},
    }
    for kind, form in forms.items():
        response = await signed.post_form(f"/portal/actions/{kind}", form | {"nonce": kind})
        assert response.status == 303, (kind, await response.text())
    by_kind = {u.kind: u.data for u in await _updates(settings) if u.source == "portal"}
    assert set(by_kind) == set(forms)
    assert by_kind["callback_request"]["hours"] == "17:00-21:00"
    assert by_kind["callback_request"]["timezone"] == "America/Chicago"
    assert by_kind["payment_plan_request"]["frequency"] == "monthly"


async def test_a_dispute_with_a_document_sets_the_hold_and_keeps_the_file(
    signed: Portal, settings: Settings
) -> None:
    form = FormData()
    form.add_field("csrf_token", signed.csrf_token)
    form.add_field("nonce", "d1")
    form.add_field("reason", "I paid this in full last year")
    form.add_field("document", PDF, filename="receipt.pdf", content_type="application/pdf")
    response = await signed.post_form("/portal/actions/dispute", form)
    assert response.status == 303, await response.text()
    (update,) = await _updates(settings)
    assert update.kind == "dispute"
    assert update.data["reason"] == "I paid this in full last year"
    (account,) = await select_rows(settings.database_url, select(accounts))
    assert account.disputed
    (kept,) = await select_rows(settings.database_url, select(attachments))
    assert (kept.filename, kept.refused) == ("receipt.pdf", None)
    assert (settings.var_dir / "attachments" / kept.sha256).read_bytes() == PDF
    page = await (await signed.client.get("/portal/account")).text()
    assert "paused collection" in page


async def test_a_document_of_the_wrong_type_is_refused_and_nothing_recorded(
    signed: Portal, settings: Settings
) -> None:
    form = FormData()
    form.add_field("csrf_token", signed.csrf_token)
    form.add_field("reason", "not mine")
    form.add_field("document", b"MZ\x90\x00", filename="a.pdf", content_type="application/pdf")
    response = await signed.post_form("/portal/actions/dispute", form)
    assert response.status == 422
    assert "Send a PDF" in await response.text()
    assert await _updates(settings) == []
    assert await count_rows(settings.database_url, attachments) == 0


async def test_forms_without_the_csrf_token_are_refused(signed: Portal, settings: Settings) -> None:
    for path, form in (
        ("/portal/actions/promise_to_pay", {"amount": "5", "date": _day(2)}),
        ("/portal/preferences", {"language": "es"}),
    ):
        response = await signed.client.post(path, data=form)
        assert response.status == 403
        forged = await signed.client.post(path, data=form | {"csrf_token": "forged"})
        assert forged.status == 403
    assert await _updates(settings) == []
    assert (await select_rows(settings.database_url, select(accounts)))[0].language == "en"


async def test_stopping_texts_blocks_the_next_sms_outreach(
    signed: Portal, settings: Settings
) -> None:
    page = await (await signed.client.get("/portal/preferences")).text()
    sms_id = re.search(r'name="(contact_\d+)" value="allow"\s*checked', page)
    assert sms_id is not None
    response = await signed.post_form("/portal/preferences", {sms_id[1]: "stop", "language": "en"})
    assert response.status == 200
    assert "Text messages to •••-•••-0123: stopped" in await response.text()
    events = await select_rows(settings.database_url, select(consent_events))
    assert [(e.channel, e.action, e.source) for e in events][-1] == ("sms", "revoked", "portal")
    outreach = await signed.client.post(
        "/v1/outreach", json=outreach_body(), headers={"Idempotency-Key": "k1"}
    )
    body = await outreach.json()
    assert body["status"] == "blocked"
    assert "opted_out" in [r["rule"] for r in body["decision"]["reasons"]]
    # The core system's routine sync cannot undo what the consumer asked for.
    synced = await signed.client.put("/v1/accounts/A-1", json=portal_account())
    sms = [c for c in (await synced.json())["contacts"] if c["channel"] == "sms"]
    assert sms[0]["consent"] == "revoked"
    again = await signed.post_form("/portal/preferences", {sms_id[1]: "allow", "language": "en"})
    assert "stopped" not in await again.text()
    events = await select_rows(settings.database_url, select(consent_events))
    assert (events[-1].action, events[-1].source) == ("granted", "portal")


async def test_preferred_hours_narrow_quiet_hours(signed: Portal, settings: Settings) -> None:
    response = await signed.post_form(
        "/portal/preferences",
        {"language": "es", "preferred_start": "18:00", "preferred_end": "20:00"},
    )
    assert response.status == 200
    (account,) = await select_rows(settings.database_url, select(accounts))
    assert (account.language, account.preferred_contact_start) == ("es", "18:00")
    # 10:00 in Chicago: inside 08:00-21:00, outside what the debtor asked for.
    at = "2026-12-02T16:00:00Z"
    decision = await signed.client.post(
        "/v1/policy/evaluate",
        json={"account_ref": "A-1", "channel": "sms", "purpose": "collection", "at": at},
    )
    body = await decision.json()
    assert body["outcome"] == "defer"
    assert body["not_before"] == "2026-12-03T00:00:00Z"  # 18:00 in Chicago


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"preferred_start": "18:00", "preferred_end": ""}, "preferred_start"),
        ({"preferred_start": "20:00", "preferred_end": "18:00"}, "preferred_end"),
        ({"preferred_start": "06:00", "preferred_end": "09:00"}, "preferred_start"),
        ({"language": "klingon"}, "language"),
    ],
)
async def test_bad_preferences_change_nothing(
    signed: Portal, settings: Settings, form: dict[str, str], field: str
) -> None:
    before = await select_rows(settings.database_url, select(accounts))
    response = await signed.post_form("/portal/preferences", {"language": "en"} | form)
    assert response.status == 422
    assert f'href="#{field}"' in await response.text()
    assert await select_rows(settings.database_url, select(accounts)) == before


async def test_an_outreach_carries_its_own_working_link(
    client: Any, settings: Settings, drain: Drainer
) -> None:
    assert (await client.put("/v1/accounts/A-1", json=portal_account())).status == 201
    body = outreach_body(template="portal_invite")
    response = await client.post("/v1/outreach", json=body, headers={"Idempotency-Key": "p1"})
    assert response.status == 202, await response.text()
    assert (await response.json())["status"] == "queued", await response.text()
    await drain()
    oid = (await response.json())["id"]
    view = await (await client.get(f"/v1/outreach/{oid}")).json()
    assert view["status"] == "sent", view
    (message,) = await select_rows(
        settings.database_url, select(messages).where(messages.c.direction == "outbound")
    )
    assert message.status == "sent"
    url = re.search(r"https?://\S+/portal/(\S+)", message.body)
    assert url is not None
    (link,) = await select_rows(settings.database_url, select(portal_links))
    assert link.message_id == message.id
    verified = await answer(client, f"/portal/{url[1]}", DOB)
    assert verified.status == 303


async def test_pay_now_hands_the_debtor_to_the_core_systems_page(
    settings: Settings, gateway: Any
) -> None:
    settings = settings.model_copy(
        update={"payment_url": "https://pay.example.com/accounts/{account_ref}/pay"}
    )
    client = await gateway(settings)
    await client.put("/v1/accounts/A-1", json=portal_account())
    signed = await sign_in(client)
    html = await (await signed.client.get("/portal/account")).text()
    assert 'href="https://pay.example.com/accounts/A-1/pay"' in html
    assert "card or bank details on this site" in html


async def test_without_a_payment_page_there_is_no_pay_button(signed: Portal) -> None:
    html = await (await signed.client.get("/portal/account")).text()
    assert "Pay now" not in html
