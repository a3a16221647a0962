"""Email from debtors through SendGrid's Inbound Parse: who may post it, charsets, quoted history
stripped, one message per Message-ID, STOP by email, replies in the same thread, and attachments
kept for agents and never served inline."""

from __future__ import annotations

from typing import Any

import pytest
from agent_console_helpers import add_agents, console
from helpers import EMAIL
from sendgrid_emulator import inbound_form
from sendgrid_fixtures import INBOUND_PASSWORD, INBOUND_USER, EmailWorld
from sendgrid_helpers import accept_email, email_point, new_account, rows, rules_of_next_email
from sqlalchemy import select
from twilio_sms_helpers import (
    daytime,  # noqa: F401 - autouse: the clock reads 15:00 in Chicago
)

from gateway.config import Settings
from gateway.conversations.inbound import route_received
from gateway.db.engine import create_engine
from gateway.db.tables import attachments, messages

QUOTED = """Yes I can pay 200 on the 15th.

Thanks,
Dana

On Mon, Mar 9, 2026 at 10:00 AM Parley Recovery Services <collections@parley.example.com> wrote:
> Dear Dana Debtor,
> This is Parley Recovery Services writing about your Acme Bank account.
"""
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


async def inbound_rows(settings: Settings) -> list[Any]:
    return await rows(settings, select(messages).where(messages.c.direction == "inbound"))


async def test_a_reply_is_stored_once_per_message_id_without_its_quoted_history(
    email: EmailWorld,
) -> None:
    # Registered and written in other cases: one address all the same.
    await new_account(email.client, address="Dana.Debtor@EXAMPLE.com")
    account = await (await email.client.get("/v1/accounts/A-1")).json()
    assert EMAIL in [c["address"] for c in account["contacts"]]
    for _ in range(3):  # SendGrid retries a post whose answer it did not get
        status = await email.hooks.email(
            QUOTED, from_="Dana Debtor <Dana.Debtor@Example.com>", message_id="<m-1@mail.example>"
        )
        assert status == 200
    (message,) = await inbound_rows(email.settings)
    assert (message.channel, message.provider, message.provider_id) == (
        "email",
        "sendgrid",
        "<m-1@mail.example>",
    )
    assert message.body == "Yes I can pay 200 on the 15th."
    assert message.subject == "Re: Your Acme Bank account"
    assert message.address == EMAIL
    assert message.status == "received"


async def test_an_iso_8859_1_reply_is_read_correctly(
    email: EmailWorld,
) -> None:
    await new_account(email.client)
    text = "Señor, puedo pagar 200 dólares el día 15. Müller"
    status = await email.hooks.email(text, from_=EMAIL, charset="iso-8859-1", subject="Re: Año")
    assert status == 200
    (message,) = await inbound_rows(email.settings)
    assert message.body == text
    assert message.subject == "Re: Año"


@pytest.mark.parametrize("first_line", ["stop", "STOP", "Unsubscribe"])
async def test_a_stop_email_revokes_email_consent_and_is_confirmed_in_the_thread(
    email: EmailWorld,
    first_line: str,
) -> None:
    await new_account(email.client)
    waiting = await accept_email(email.client, "e1")
    status = await email.hooks.email(
        f"{first_line}\n\n--\nDana\nSent from my phone",
        from_=EMAIL,
        message_id="<stop-1@mail.example>",
        subject="Re: Your Acme Bank account",
    )
    assert status == 200
    point = await email_point(email.settings)
    assert (point.consent, point.consent_source) == ("revoked", "keyword")
    await email.drain()
    # The queued outreach never went; the one confirmation did, in the debtor's thread.
    (confirmation,) = email.sendgrid.sent
    assert confirmation.subject == "Re: Your Acme Bank account"
    assert confirmation.headers["In-Reply-To"] == "<stop-1@mail.example>"
    assert confirmation.headers["References"] == "<stop-1@mail.example>"
    assert "unsubscribe" in confirmation.headers["List-Unsubscribe"]
    (queued,) = await rows(
        email.settings, select(messages).where(messages.c.outreach_id == waiting["id"])
    )
    assert queued.status == "blocked"
    assert await rules_of_next_email(email.client, "e2") == ["opted_out"]


@pytest.mark.parametrize(
    ("credentials", "status"),
    [(None, 401), ((INBOUND_USER, "wrong"), 403), (("someone", INBOUND_PASSWORD), 403)],
)
async def test_inbound_parse_needs_its_credentials(
    email: EmailWorld,
    credentials: tuple[str, str] | None,
    status: int,
) -> None:
    await new_account(email.client)
    assert await email.hooks.email("stop", from_=EMAIL, basic=credentials) == status
    assert await inbound_rows(email.settings) == []
    assert (await email_point(email.settings)).consent == "granted"


@pytest.mark.usefixtures("webhook_clock")
async def test_signed_inbound_parse_replaces_basic_credentials(
    email: EmailWorld,
    gateway: Any,
) -> None:
    signed = email.settings.model_copy(
        update={"sendgrid_inbound_public_key": email.sendgrid.inbound_public_key_b64}
    )
    client = await gateway(signed)
    await new_account(client)
    url = str(client.make_url("/webhooks/sendgrid/inbound"))
    body, content_type = inbound_form(
        from_=EMAIL, to="x@parley.example.com", subject="s", text="hi"
    )
    assert (
        await email.sendgrid.post_inbound(url, body, content_type, signed=True, forge=True) == 403
    )
    creds = (INBOUND_USER, INBOUND_PASSWORD)
    assert await email.sendgrid.post_inbound(url, body, content_type, basic=creds) == 403
    assert await email.sendgrid.post_inbound(url, body, content_type, signed=True) == 200
    assert len(await inbound_rows(signed)) == 1


async def test_without_inbound_settings_the_route_refuses_everything(
    email: EmailWorld,
    gateway: Any,
) -> None:
    bare = email.settings.model_copy(
        update={"sendgrid_inbound_user": None, "sendgrid_inbound_password": None}
    )
    client = await gateway(bare)
    url = str(client.make_url("/webhooks/sendgrid/inbound"))
    body, content_type = inbound_form(
        from_=EMAIL, to="x@parley.example.com", subject="s", text="hi"
    )
    for options in ({}, {"basic": ("a", "b")}, {"signed": True}):
        assert await email.sendgrid.post_inbound(url, body, content_type, **options) == 403
    assert await inbound_rows(bare) == []


async def test_a_malformed_post_is_a_400_after_authentication(
    email: EmailWorld,
) -> None:
    auth = {"Authorization": "Basic " + _basic(INBOUND_USER, INBOUND_PASSWORD)}
    for body, content_type in (
        (b"garbage", "multipart/form-data; boundary=xyz"),
        (b"a=b", "application/x-www-form-urlencoded"),
    ):
        response = await email.client.post(
            "/webhooks/sendgrid/inbound",
            data=body,
            headers=auth | {"Content-Type": content_type},
        )
        assert response.status == 400
    assert await inbound_rows(email.settings) == []


def _basic(user: str, password: str) -> str:
    import base64

    return base64.b64encode(f"{user}:{password}".encode()).decode()


async def test_attachments_are_kept_for_agents_and_refused_ones_listed(
    email: EmailWorld,
    gateway: Any,
) -> None:
    await new_account(email.client)
    status = await email.hooks.email(
        "I dispute this debt, my letter is attached.",
        from_=EMAIL,
        attachments=[
            ("dispute letter.pdf", "application/pdf", PDF),
            ("invoice.pdf", "application/pdf", b"MZ\x90\x00 not a pdf"),
            ("../../etc/run.exe", "application/x-msdownload", b"MZ\x90\x00"),
        ],
    )
    assert status == 200
    (message,) = await inbound_rows(email.settings)
    files = await rows(email.settings, select(attachments).order_by(attachments.c.filename))
    assert [(f.filename, f.refused) for f in files] == [
        ("dispute letter.pdf", None),
        ("invoice.pdf", "type_not_allowed"),
        ("run.exe", "type_not_allowed"),
    ]
    stored = list((email.settings.var_dir / "attachments").iterdir())
    assert [p.read_bytes() for p in stored] == [PDF]
    engine = create_engine(email.settings.database_url)
    async with engine.begin() as conn:
        routed = await route_received(conn, message.id, email.settings)
    await engine.dispose()
    assert routed is not None
    assert routed.conversation_id is not None
    await add_agents(email.settings, ("ana@parley.example", "Ana", "agent"))
    # Over plain HTTP: an https PARLEY_PUBLIC_URL makes the session cookie Secure.
    plain = email.settings.model_copy(update={"public_url": None})
    agent = await console(gateway, plain, "ana@parley.example")
    status, thread = await agent.call("GET", f"/conversations/{routed.conversation_id}")
    assert status == 200
    (listed,) = [m for m in thread["messages"] if m["id"] == message.id]
    kept = [f for f in listed["attachments"] if f["url"]]
    assert [f["filename"] for f in kept] == ["dispute letter.pdf"]
    download = await agent.client.get(kept[0]["url"])
    assert download.status == 200
    assert await download.read() == PDF
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    refused = [f for f in listed["attachments"] if not f["url"]]
    assert (await agent.client.get(f"/agent/api/attachments/{refused[0]['id']}")).status == 404
    anonymous = await gateway(email.settings, token=None)
    assert (await anonymous.get(kept[0]["url"])).status == 401


async def test_an_attachment_over_the_limit_is_listed_not_kept(
    email: EmailWorld,
    gateway: Any,
) -> None:
    small = email.settings.model_copy(update={"attachment_max_bytes": 16})
    client = await gateway(small)
    await new_account(client)
    url = str(client.make_url("/webhooks/sendgrid/inbound"))
    body, content_type = inbound_form(
        from_=EMAIL,
        to="x@parley.example.com",
        subject="s",
        text="letter attached",
        attachments=[("big.pdf", "application/pdf", PDF)],
    )
    assert (
        await email.sendgrid.post_inbound(
            url, body, content_type, basic=(INBOUND_USER, INBOUND_PASSWORD)
        )
        == 200
    )
    (file,) = await rows(small, select(attachments))
    assert (file.refused, file.size) == ("too_large", len(PDF))
    assert not (small.var_dir / "attachments").exists()
