"""An email's unsubscribe link: the page a GET shows changes nothing (scanners fetch links), a
POST from the page or a mail client's one-click unsubscribe revokes email consent at once, and
a token that is not ours is a 404 page."""

from __future__ import annotations

import pytest
from helpers import EMAIL
from sendgrid_fixtures import EmailWorld
from sendgrid_helpers import (
    accept_email,
    email_point,
    new_account,
    revocations,
    rows,
    rules_of_next_email,
)
from sqlalchemy import select
from twilio_sms_helpers import (
    daytime,  # noqa: F401 - autouse: the clock reads 15:00 in Chicago
    outreach_view,
)

from gateway.db.tables import audit_log


async def sent_link(email: EmailWorld) -> str:
    await accept_email(email.client, "e1")
    await email.drain()
    (mail,) = email.sendgrid.sent
    return mail.headers["List-Unsubscribe"].strip("<>").removeprefix("https://parley.example.com")


async def test_a_get_shows_the_page_and_changes_nothing(
    email: EmailWorld,
) -> None:
    await new_account(email.client)
    path = await sent_link(email)
    for _ in range(3):  # a scanner, a preview, the debtor
        page = await email.client.get(path)
        assert page.status == 200
        html = await page.text()
        assert '<form method="post">' in html
        assert "d***@example.com" in html
        assert EMAIL not in html
        assert page.headers["Cache-Control"] == "no-store"
    assert (await email_point(email.settings)).consent == "granted"
    assert await revocations(email.settings) == []


@pytest.mark.parametrize("how", ["one_click", "page_button"])
async def test_a_post_unsubscribes_at_once_on_every_account_with_the_address(
    email: EmailWorld,
    how: str,
) -> None:
    await new_account(email.client)
    await new_account(email.client, "A-2")
    path = await sent_link(email)
    waiting = await accept_email(email.client, "e2")
    form = {"List-Unsubscribe": "One-Click"} if how == "one_click" else {}
    response = await email.client.post(path, data=form)
    assert response.status == 200
    text = await response.text()
    assert ("unsubscribed" in text) if how == "one_click" else ("You are unsubscribed" in text)
    events = await revocations(email.settings)
    assert len(events) == 2
    assert {(e.action, e.source) for e in events} == {("revoked", "unsubscribe_link")}
    await email.drain()
    assert len(email.sendgrid.sent) == 1
    assert (await outreach_view(email.client, waiting["id"]))["status"] == "blocked"
    assert await rules_of_next_email(email.client, "e3") == ["opted_out"]
    # Again: nothing more to revoke, nothing more recorded, the same answer.
    assert (await email.client.post(path, data=form)).status == 200
    assert len(await revocations(email.settings)) == 2
    audited = await rows(
        email.settings, select(audit_log.c.event).where(audit_log.c.event == "consent.revoked")
    )
    assert len(audited) == 2


@pytest.mark.parametrize(
    "token",
    ["msg_x.AAAAAAAAAAAAAAAAAAAAAAAAAAA", "nodot", "msg_x.", ".mac", "x" * 300],
)
async def test_a_token_that_is_not_ours_is_a_404_page_and_changes_nothing(
    email: EmailWorld,
    token: str,
) -> None:
    await new_account(email.client)
    path = await sent_link(email)
    message_id = path.rsplit("/", 1)[1].split(".")[0]
    for forged in (f"/unsubscribe/{token}", f"/unsubscribe/{message_id}.{'A' * 27}"):
        for method in ("GET", "POST"):
            response = await email.client.request(method, forged)
            assert response.status == 404
            assert "This link is not valid" in await response.text()
    assert (await email_point(email.settings)).consent == "granted"
