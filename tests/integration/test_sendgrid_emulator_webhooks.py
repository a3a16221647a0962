"""The SendGrid emulator's webhooks: event batches shaped and signed as SendGrid's (duplicated,
shuffled, forged, replayed), and Inbound Parse posts in their charsets, signed or with Basic
credentials."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser, HeaderParser

import aiohttp
import pytest
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key
from sendgrid.helpers.eventwebhook import EventWebhook  # type: ignore[import-untyped]
from sendgrid_emulator import (
    DEFAULT_API_KEY,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SendGridEmulator,
    SentMail,
)
from sendgrid_emulator_harness import (  # noqa: F401 - fixtures
    DEBTOR,
    X_MESSAGE_ID,
    emulator_fixture,
    helper_mail,
    send,
    sent_mail,
    session_fixture,
)


def verify(public_key_b64: str, body: bytes, headers: dict[str, str]) -> bool:
    """Check a SendGrid signature the way the docs say: ECDSA P-256, SHA-256, timestamp + body."""
    key = load_der_public_key(base64.b64decode(public_key_b64))
    assert isinstance(key, ec.EllipticCurvePublicKey)
    if SIGNATURE_HEADER not in headers or TIMESTAMP_HEADER not in headers:
        return False
    signed = headers[TIMESTAMP_HEADER].encode() + body
    try:
        key.verify(base64.b64decode(headers[SIGNATURE_HEADER]), signed, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


# What a receiver got: the raw body and the headers of each request.
Received = list[tuple[bytes, dict[str, str]]]


@contextlib.asynccontextmanager
async def receiver(public_key_b64: str) -> AsyncIterator[tuple[str, Received]]:
    """A webhook endpoint answering 200 to a request signed with the key, else 403."""
    received: Received = []

    async def handle(request: web.Request) -> web.Response:
        body, headers = await request.read(), dict(request.headers)
        received.append((body, headers))
        return web.Response(status=200 if verify(public_key_b64, body, headers) else 403)

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", received
    finally:
        await runner.cleanup()


async def test_events_are_shaped_like_sendgrids(
    emulator: SendGridEmulator, session: aiohttp.ClientSession
) -> None:
    mail = await sent_mail(session, emulator)
    delivered = emulator.event(mail, "delivered", at=1_700_000_000)
    assert delivered["email"] == DEBTOR
    assert (delivered["timestamp"], delivered["event"]) == (1_700_000_000, "delivered")
    assert X_MESSAGE_ID.fullmatch(delivered["sg_event_id"])
    assert delivered["sg_message_id"].startswith(f"{mail.x_message_id}.filterdrecv-")
    assert delivered["smtp-id"] == mail.message_id
    assert (delivered["parley_message_id"], delivered["tenant"]) == ("msg-42", "acme")
    assert (delivered["response"], delivered["tls"]) == ("250 OK", 1)
    assert "category" not in delivered

    bounce = emulator.event(mail, "bounce")
    assert abs(bounce["timestamp"] - time.time()) < 5
    assert (bounce["type"], bounce["status"]) == ("bounce", "5.1.1")
    assert bounce["bounce_classification"] == "Invalid Address"
    assert bounce["reason"]
    blocked = emulator.event(mail, "bounce", type="blocked")
    assert (blocked["type"], blocked["bounce_classification"]) == ("blocked", "Reputation")
    assert emulator.event(mail, "dropped")["reason"] == "Bounced Address"
    assert emulator.event(mail, "dropped", reason="Invalid")["reason"] == "Invalid"
    assert emulator.event(mail, "deferred")["attempt"] == "1"
    opened = emulator.event(mail, "open")
    assert opened["sg_machine_open"] is False
    assert opened["useragent"]
    assert "smtp-id" not in opened
    assert emulator.event(mail, "click")["url"].startswith("https://")
    assert emulator.event(mail, "group_unsubscribe")["asm_group_id"] == 1
    assert emulator.event(mail, "spamreport", email="other@example.com")["email"] == (
        "other@example.com"
    )
    assert bounce["sg_event_id"] != blocked["sg_event_id"]
    with pytest.raises(ValueError, match="sent"):
        emulator.event(mail, "sent")

    with_categories = helper_mail() | {"categories": ["reminder"]}
    await send(session, emulator, with_categories)
    assert emulator.event(emulator.sent[-1], "processed")["category"] == ["reminder"]


async def test_signed_batch_verifies_against_the_public_key(
    emulator: SendGridEmulator, session: aiohttp.ClientSession
) -> None:
    mail = await sent_mail(session, emulator)
    events = [emulator.event(mail, "processed"), emulator.event(mail, "delivered")]
    body, headers = emulator.signed_batch(events, timestamp=1_700_000_123)
    assert json.loads(body) == events
    assert b", " not in body
    assert b": " not in body
    assert headers["Content-Type"] == "application/json"
    assert headers[TIMESTAMP_HEADER] == "1700000123"
    assert verify(emulator.public_key_b64, body, headers)
    # The sendgrid package's own verifier agrees.
    helper = EventWebhook(emulator.public_key_b64)
    assert helper.verify_signature(body.decode(), headers[SIGNATURE_HEADER], "1700000123")
    assert not verify(emulator.public_key_b64, body.replace(b"delivered", b"bounce"), headers)
    assert not verify(emulator.public_key_b64, body, {**headers, TIMESTAMP_HEADER: "1700000124"})
    assert not verify(emulator.inbound_public_key_b64, body, headers)
    assert verify(emulator.public_key_b64, b"not json", emulator.event_signature(b"not json"))


async def test_post_events_signed_forged_duplicated_shuffled_and_replayed(
    emulator: SendGridEmulator, session: aiohttp.ClientSession
) -> None:
    mail = await sent_mail(session, emulator)
    kinds = ["processed", "deferred", "delivered", "open", "click"]
    events = [emulator.event(mail, kind) for kind in kinds]
    async with receiver(emulator.public_key_b64) as (url, received):
        assert await emulator.post_events(url, events) == 200
        assert json.loads(received[0][0]) == events
        assert await emulator.post_events(url, events, forge=True) == 403

        assert await emulator.post_events(url, events, duplicates=2, shuffle=True, seed=3) == 200
        batch = json.loads(received[-1][0])
        assert Counter(e["sg_event_id"] for e in batch) == Counter(
            {e["sg_event_id"]: 3 for e in events}
        )
        assert [e["event"] for e in batch] != [k for k in kinds for _ in range(3)]
        assert sorted(map(json.dumps, batch)) == sorted(map(json.dumps, events * 3))

        assert await emulator.post_events(url, events, duplicates=1) == 200
        assert [e["event"] for e in json.loads(received[-1][0])] == [k for k in kinds for _ in "ab"]

        first = emulator.webhooks[0]
        assert await emulator.post_raw(url, first.body, first.headers) == 200
        assert received[-1][0] == first.body
    assert [w.status for w in emulator.webhooks] == [200, 403, 200, 200, 200]


# -- Inbound Parse --------------------------------------------------------------------------------


def form_parts(body: bytes, content_type: str) -> dict[str, tuple[bytes, str | None, str]]:
    """The parts of a multipart/form-data body: name -> (bytes, filename, content type).

    The modern ``email`` policy reads the raw UTF-8 filenames of form-data (RFC 7578).
    """
    raw = f"Content-Type: {content_type}\r\n\r\n".encode() + body
    message = BytesParser(policy=policy.default).parsebytes(raw)
    parts: dict[str, tuple[bytes, str | None, str]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(name, str)
        assert isinstance(payload, bytes)
        parts[name] = (payload, part.get_filename(), part.get_content_type())
    return parts


async def test_inbound_form_parses_back_in_its_charset() -> None:
    text = "Bonjour, je paierai vendredi. Ça vous va ?\n"
    subject = "Re: Votre échéance"
    pdf = b"%PDF-1.4\n" + bytes(range(256)) + b"\r\n--xYzZY\r\n"
    body, content_type = SendGridEmulator.inbound_form(
        from_="Débora Díaz <debtor@example.com>",
        to="replies@parse.parley.example",
        subject=subject,
        text=text,
        html="<p>Ça vous va ?</p>",
        charset="iso-8859-1",
        in_reply_to="<abc@geopod-ismtpd-1>",
        references="<abc@geopod-ismtpd-1>",
        attachments=[("relevé.pdf", "application/pdf", pdf)],
    )
    assert content_type.startswith("multipart/form-data; boundary=")
    parts = form_parts(body, content_type)
    charsets = json.loads(parts["charsets"][0])
    assert charsets["text"] == charsets["html"] == charsets["subject"] == "iso-8859-1"
    raw_text = parts["text"][0]
    assert raw_text == text.encode("latin-1")
    with pytest.raises(UnicodeDecodeError):
        raw_text.decode("utf-8")
    assert raw_text.decode(charsets["text"]) == text
    assert parts["subject"][0].decode(charsets["subject"]) == subject
    assert parts["html"][0].decode(charsets["html"]) == "<p>Ça vous va ?</p>"
    assert parts["from"][0].decode(charsets["from"]) == "Débora Díaz <debtor@example.com>"
    assert parts["to"][0] == b"replies@parse.parley.example"
    assert json.loads(parts["envelope"][0]) == {
        "to": ["replies@parse.parley.example"],
        "from": "debtor@example.com",
    }
    assert parts["attachments"][0] == b"1"
    assert json.loads(parts["attachment-info"][0]) == {
        "attachment1": {"filename": "relevé.pdf", "name": "relevé.pdf", "type": "application/pdf"}
    }
    assert parts["attachment1"] == (pdf, "relevé.pdf", "application/pdf")
    assert {"dkim", "sender_ip", "spam_report", "spam_score", "SPF"} <= parts.keys()

    headers = HeaderParser().parsestr(parts["headers"][0].decode("ascii"))
    assert headers["In-Reply-To"] == headers["References"] == "<abc@geopod-ismtpd-1>"
    assert re.fullmatch(r"<[0-9a-f]+@mail\.example\.com>", headers["Message-ID"])
    assert str(make_header(decode_header(headers["Subject"]))) == subject
    assert headers["Content-Type"].startswith("multipart/mixed;")
    assert headers["Date"]
    assert headers["MIME-Version"] == "1.0"


async def test_inbound_form_defaults() -> None:
    body, content_type = SendGridEmulator.inbound_form(
        from_="debtor@example.com", to="replies@parse.parley.example", subject="Hi", text="ok"
    )
    parts = form_parts(body, content_type)
    assert "html" not in parts
    assert "attachment-info" not in parts
    assert parts["attachments"][0] == b"0"
    assert json.loads(parts["charsets"][0])["text"] == "utf-8"
    headers = HeaderParser().parsestr(parts["headers"][0].decode())
    assert headers["In-Reply-To"] is None
    assert headers["Content-Type"] == 'text/plain; charset="utf-8"'
    again = SendGridEmulator.inbound_form(
        from_="debtor@example.com", to="replies@parse.parley.example", subject="Hi", text="ok"
    )
    again_headers = HeaderParser().parsestr(form_parts(*again)["headers"][0].decode())
    assert again_headers["Message-ID"] != headers["Message-ID"]


async def test_post_inbound_with_basic_auth_and_signature(emulator: SendGridEmulator) -> None:
    body, content_type = emulator.inbound_form(
        from_="debtor@example.com", to="replies@parse.parley.example", subject="Hi", text="ok"
    )
    async with receiver(emulator.inbound_public_key_b64) as (url, received):
        status = await emulator.post_inbound(
            url, body, content_type, basic=("parse", "s3cret"), signed=True, timestamp=1_700_000_000
        )
        assert status == 200
        got, headers = received[-1]
        assert got == body
        assert headers["Content-Type"] == content_type
        assert headers[TIMESTAMP_HEADER] == "1700000000"
        expected = base64.b64encode(b"parse:s3cret").decode()
        assert headers["Authorization"] == f"Basic {expected}"

        assert await emulator.post_inbound(url, body, content_type, signed=True, forge=True) == 403
        assert await emulator.post_inbound(url, body, content_type) == 403
        assert SIGNATURE_HEADER not in received[-1][1]
        assert "Authorization" not in received[-1][1]
    assert emulator.public_key_b64 != emulator.inbound_public_key_b64


def test_events_need_no_running_server() -> None:
    emulator = SendGridEmulator()
    mail = SentMail(
        x_message_id="A" * 22,
        json={},
        to=[DEBTOR],
        subject="s",
        text="t",
        html=None,
        headers={"Message-ID": "<own@parley.example>"},
        custom_args={},
        reply_to=None,
        from_email="notices@parley.example",
        from_name=None,
    )
    assert emulator.event(mail, "processed")["smtp-id"] == "<own@parley.example>"
    body, headers = emulator.signed_batch([emulator.event(mail, "delivered")])
    assert verify(emulator.public_key_b64, body, headers)
    assert abs(int(headers[TIMESTAMP_HEADER]) - time.time()) < 5
    with pytest.raises(RuntimeError, match="not started"):
        _ = emulator.base_url
    assert emulator.api_key == DEFAULT_API_KEY
