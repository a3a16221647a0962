"""SendGrid Inbound Parse posts become an InboundText holding only what the consumer wrote."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from channels.events import Attachment, MalformedEvent
from channels.sendgrid_inbound import FilePart, InboundForm, inbound_email, read_form

AT = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)
BOUNDARY = "xYzZY"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
MESSAGE_ID = "<CAJ8x=q+Vn9@mail.gmail.com>"
HEADERS = (
    "MIME-Version: 1.0\n"
    "Received: by 0.0.0.0 with HTTP; Tue, 10 Mar 2026 14:00:13 -0700 (PDT)\n"
    "From: Maria Lopez <Maria.Lopez@Example.com>\n"
    "Date: Tue, 10 Mar 2026 14:00:13 -0700\n"
    f"Message-ID: {MESSAGE_ID}\n"
    "In-Reply-To: <msg_01JNX5Q0ZK@parley.example.com>\n"
    "References: <msg_01JN@parley.example.com>\n <msg_01JNX5Q0ZK@parley.example.com>\n"
    "Subject: Re: Your balance\n"
    "To: replies@parse.parley.example.com\n"
)
# (field, filename, content type or None, content)
File = tuple[str, str, str | None, bytes]


def multipart(
    fields: Sequence[tuple[str, bytes]], files: Sequence[File] = (), boundary: str = BOUNDARY
) -> bytes:
    """multipart/form-data bytes, built by hand the way SendGrid sends them (CRLF, no charset)."""
    out = bytearray()
    for name, value in fields:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value + b"\r\n"
    for field, filename, ctype, content in files:
        out += f"--{boundary}\r\nContent-Disposition: form-data; name=".encode()
        out += f'"{field}"; filename="{filename}"\r\n'.encode()
        if ctype is not None:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)


def post(
    text: str | None = "I can pay $200 on the 15th.",
    *,
    html: str | None = None,
    subject: str = "Re: Your balance",
    from_: str | None = "Maria Lopez <Maria.Lopez@Example.com>",
    envelope_from: str | None = "maria.lopez@example.com",
    charset: str = "UTF-8",
    headers: str = HEADERS,
    extra: Sequence[tuple[str, bytes]] = (),
    files: Sequence[File] = (),
) -> bytes:
    """The body of an Inbound Parse POST; text, html and subject encoded in ``charset``."""
    codec = charset.lower()
    fields = [("headers", headers.encode()), ("dkim", b"{@example.com : pass}")]
    fields.append(("to", b"Parley <replies@parse.parley.example.com>"))
    if html is not None:
        fields.append(("html", html.encode(codec)))
    if from_ is not None:
        fields.append(("from", from_.encode()))
    if text is not None:
        fields.append(("text", text.encode(codec)))
    fields.append(("sender_ip", b"203.0.113.7"))
    envelope = {"to": ["replies@parse.parley.example.com"], "from": envelope_from}
    fields.append(("envelope", json.dumps(envelope).encode()))
    fields += [("attachments", str(len(files)).encode()), ("subject", subject.encode(codec))]
    fields += [("spam_score", b"0.1")]
    charsets = {"to": "UTF-8", "html": charset, "subject": charset, "from": "UTF-8"}
    fields += [("charsets", json.dumps(charsets | {"text": charset}).encode()), ("SPF", b"pass")]
    return multipart([*fields, *extra], files)


def parse(body: bytes, content_type: str = CONTENT_TYPE) -> str:
    return inbound_email(read_form(content_type, body), AT).body


def test_a_plain_reply_with_gmail_history_is_only_the_new_text() -> None:
    text = (
        "I can pay $200 on the 15th.\r\n"
        "Is that OK?\r\n\r\n"
        "On Tue, Mar 10, 2026 at 9:00 AM Acme Collections <\r\n"
        "notices@acme.example> wrote:\r\n\r\n"
        "> Dear Maria,\r\n> Your balance is $500. Reply STOP to opt out.\r\n"
    )
    email = inbound_email(read_form(CONTENT_TYPE, post(text)), AT)
    assert email.body == "I can pay $200 on the 15th.\nIs that OK?"
    assert (email.channel, email.provider, email.received_at) == ("email", "sendgrid", AT)
    assert email.address == "maria.lopez@example.com"
    assert email.subject == "Re: Your balance"
    assert email.provider_id == MESSAGE_ID
    assert email.attachments == ()
    assert email.raw == {
        "message_id": MESSAGE_ID,
        "in_reply_to": "<msg_01JNX5Q0ZK@parley.example.com>",
        "references": "<msg_01JN@parley.example.com> <msg_01JNX5Q0ZK@parley.example.com>",
        "to": "Parley <replies@parse.parley.example.com>",
        "spam_score": "0.1",
    }


@pytest.mark.parametrize(
    ("charset", "text", "subject"),
    [
        ("iso-8859-1", "Señor, puedo pagar 200 dólares el día 15.", "Re: Müller ¿sí?"),
        ("ISO-8859-1", "Grüße von Müller: 200 EUR geht, ½ heute", "Straße"),
        ("windows-1252", "I\u2019ll pay \u20ac200 \u2013 \u201cpromise\u201d", "Re: \u20ac200"),
        ("utf-8", "Pagaré 200 € el día 15 💸", "Re: Pago 💸"),
    ],
)
def test_text_is_decoded_with_the_reported_charset(charset: str, text: str, subject: str) -> None:
    email = inbound_email(read_form(CONTENT_TYPE, post(text, subject=subject, charset=charset)), AT)
    assert (email.body, email.subject) == (text, subject)


@pytest.mark.parametrize(
    "charsets",
    [
        pytest.param(b'{"text":"x-no-such-charset"}', id="unknown"),
        pytest.param(b'{"text":"rot13"}', id="not-a-text-encoding"),
        pytest.param(b'{"text":"us-ascii"}', id="ascii-that-is-utf8"),
        pytest.param(b'{"text": 42}', id="not-a-string"),
        pytest.param(b'{"text":"a\\u0000b"}', id="nul-in-name"),
        pytest.param(b'{"html":"utf-8"}', id="missing"),
        pytest.param(b"not json", id="not-json"),
    ],
)
def test_unknown_or_broken_charsets_fall_back_to_utf8(charsets: bytes) -> None:
    text = b"caf\xe9 \xe2\x80\x93"  # a stray Latin-1 byte among UTF-8
    body = multipart([("from", b"a@example.com"), ("text", text), ("charsets", charsets)])
    assert parse(body) == "caf\ufffd \u2013"


def test_text_that_decodes_to_surrogates_or_nul_is_scrubbed() -> None:
    body = multipart(
        [("from", b"a@example.com"), ("text", b"+2AA- x\x00y"), ("charsets", b'{"text":"utf-7"}')]
    )
    assert parse(body) == "\ufffd x\ufffdy"


def test_an_html_only_mail_becomes_text() -> None:
    html = (
        "<html><head><title>Re: balance</title><style>p {color: red}</style></head>"
        "<body><script>alert('x')</script>"
        "<div dir='ltr'>I can pay &euro;200 &amp; the rest <b>next</b>&nbsp;month.<br>"
        "Caf&eacute; &#8364; &lt;ok&gt;</div><p>Second paragraph.</p>"
        "<ul><li>one</li><li>two</li></ul>"
        "<div class='gmail_quote'><div>On Tue, Mar 10, 2026 at 9:00 AM Acme &lt;a@acme.example&gt;"
        " wrote:<br></div><blockquote class='gmail_quote'>Dear Maria,<br>Reply STOP to opt out."
        "<blockquote>older</blockquote></blockquote></div></body></html>"
    )
    assert parse(post(None, html=html)) == (
        "I can pay €200 & the rest next month.\nCafé € <ok>\nSecond paragraph.\n\n- one\n- two"
    )
    # An empty text part counts as none.
    assert parse(post("  \r\n", html=html)).startswith("I can pay €200")


def test_the_text_part_is_preferred_to_the_html_part() -> None:
    assert parse(post("plain words", html="<p>html words</p>")) == "plain words"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # Python 3.11's HTMLParser is quadratic on the first four and raises on the third.
        pytest.param("<!--" * 20_000 + "hidden", "", id="unclosed-comments"),
        pytest.param("<a " * 20_000, "<a " * 20_000, id="unclosed-tags"),
        pytest.param("<![" * 20_000, "<![" * 20_000, id="marked-sections"),
        pytest.param("<a b='" * 10_000, "<a b='" * 10_000, id="unclosed-quotes"),
        pytest.param(
            "<p>visible</p><![CDATA[x]]><?php echo 1 ?><!DOCTYPE html><!-- c --> too",
            "visible\n\ntoo",
            id="declarations",
        ),
        pytest.param("<p>before</p><!-- hides the rest <p>x</p>", "before", id="open-comment"),
        pytest.param("a < b and c > d <<<<", "a < b and c > d <<<<", id="bare-brackets"),
    ],
)
def test_hostile_html_is_handled_quickly(html: str, expected: str) -> None:
    assert parse(post(None, html=html)) == expected.strip()


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("=?UTF-8?B?UGFnbyBkZSAkMjAwIOKAkyBzZcOxb3I=?=", "Pago de $200 \u2013 se\u00f1or"),
        ("Re: =?ISO-8859-1?Q?Se=F1or_M=FCller?= pago", "Re: Señor Müller pago"),
        ("=?utf-8?q?caf=C3=A9?= =?utf-8?q?_noir?=", "café noir"),
        ("=?x-unknown?q?abc?=", "=?x-unknown?q?abc?="),
        ("=?UTF-8?B?!!!?=", "=?UTF-8?B?!!!?="),
        ("Re: folded\r\n  subject", "Re: folded subject"),
    ],
)
def test_rfc2047_subjects_are_decoded(subject: str, expected: str) -> None:
    body = multipart([("from", b"a@example.com"), ("subject", subject.encode())])
    assert inbound_email(read_form(CONTENT_TYPE, body), AT).subject == expected


def test_a_missing_or_blank_subject_is_none() -> None:
    assert inbound_email(read_form(CONTENT_TYPE, post(subject=" ")), AT).subject is None
    body = multipart([("from", b"a@example.com"), ("text", b"hi")])
    assert inbound_email(read_form(CONTENT_TYPE, body), AT).subject is None


OUTLOOK = (
    "Please call me tomorrow after 5pm.\r\n\r\n"
    "________________________________\r\n"
    "From: Acme Collections <notices@acme.example>\r\n"
    "Sent: Tuesday, March 10, 2026 9:00 AM\r\n"
    "To: Maria Lopez <maria.lopez@example.com>\r\n"
    "Subject: Your balance\r\n\r\n"
    "Dear Maria, your balance is $500.\r\n"
)
ORIGINAL = (
    "Please call me tomorrow after 5pm.\n\n-----Original Message-----\n"
    "From: Acme Collections [mailto:notices@acme.example]\nSent: Tuesday, March 10, 2026\n"
    "To: Maria Lopez\nSubject: Your balance\n\nYour balance is $500.\n"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(OUTLOOK, "Please call me tomorrow after 5pm.", id="outlook-from-sent"),
        pytest.param(ORIGINAL, "Please call me tomorrow after 5pm.", id="original-message"),
        pytest.param(
            "Yes that works.\n\n> Can you pay on Friday?\n> Thanks\n",
            "Yes that works.",
            id="quoted",
        ),
        pytest.param(
            "> Can you pay $100 by Friday?\nYes\n> Or would you prefer a call?\nNo",
            "Yes\nNo",
            id="interleaved-quotes",
        ),
        pytest.param("OK I will pay.\n\nSent from my iPhone", "OK I will pay.", id="iphone"),
        pytest.param(
            "I dispute this debt.\n\n-- \nMaria Lopez\n555-0100\n", "I dispute this debt.", id="sig"
        ),
        pytest.param(
            "I dispute this debt.\n\nBest regards,\nMaria\n", "I dispute this debt.", id="regards"
        ),
        pytest.param("STOP\n\n-- \nMaria Lopez\nSent from my iPhone", "STOP", id="stop-sig"),
        pytest.param("STOP\r\n\r\nThanks,\r\nMaria", "STOP", id="stop-thanks"),
        pytest.param(
            "Puedo pagar 200 dólares.\n\nEl mar, 10 mar 2026 a las 9:00, Acme (<a@acme.example>)"
            " escribió:\n> Hola María\n",
            "Puedo pagar 200 dólares.",
            id="spanish-gmail",
        ),
        pytest.param(
            "Puedo pagar.\n\nEl mar, 10 mar 2026 a las 9:00, Acme Collections (<\n"
            "notices@acme.example>) escribió:\n\n> Hola\n",
            "Puedo pagar.",
            id="spanish-gmail-wrapped",
        ),
        # Where the library cuts too much, the consumer's words are kept.
        pytest.param(
            "Warning: do not email me again.", "Warning: do not email me again.", id="disclaimer"
        ),
        pytest.param(
            "I will pay.\nThanks, but I can't pay until May.",
            "I will pay.\nThanks, but I can't pay until May.",
            id="thanks-but",
        ),
        pytest.param(
            "My plan:\n- pay 100 now\n- pay 100 in May",
            "My plan:\n- pay 100 now\n- pay 100 in May",
            id="hyphen-list",
        ),
        pytest.param("-Maria", "-Maria", id="dash-name"),
        pytest.param("> only quoted\n> text", "> only quoted\n> text", id="nothing-new"),
        pytest.param("Hi\n\n\n\n\nthere  \n", "Hi\n\nthere", id="blank-runs"),
        pytest.param("", "", id="empty"),
    ],
)
def test_quoted_history_and_signatures_are_removed(text: str, expected: str) -> None:
    assert parse(post(text)) == expected


def test_a_long_paragraph_is_kept_whole() -> None:
    paragraph = "On Monday I will pay what I can, " * 300  # starts like an attribution
    text = paragraph + "\n\nOn Tue, Mar 10, 2026 at 9:00 AM Acme <a@acme.example> wrote:\n> x"
    assert parse(post(text)) == paragraph.strip()


def test_a_reply_longer_than_the_window_is_kept() -> None:
    text = "word " * 10_000 + "\n\n> quoted"
    assert parse(post(text)) == text.split("\n")[0].strip()


@pytest.mark.parametrize(
    "text",
    ["On " * 100_000, "> On " * 50_000, "\n" * 200_000, ("On\n" + "x " * 500 + "\n") * 200],
)
def test_pathological_text_does_not_hang(text: str) -> None:
    assert isinstance(parse(post(text)), str)


def test_without_a_message_id_the_id_is_a_stable_digest() -> None:
    headers = HEADERS.replace(f"Message-ID: {MESSAGE_ID}\n", "")
    first = inbound_email(read_form(CONTENT_TYPE, post(headers=headers)), AT)
    again = inbound_email(read_form(CONTENT_TYPE, post(headers=headers)), AT)
    other = inbound_email(read_form(CONTENT_TYPE, post("another text", headers=headers)), AT)
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", first.provider_id)
    assert first.provider_id == again.provider_id != other.provider_id
    assert "message_id" not in first.raw


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Message-ID: <abc@x>", "<abc@x>"),
        ("Message-Id:   <abc@x>  ", "<abc@x>"),
        ("Message-ID:\n <folded@x>", "<folded@x>"),
        ("message-id: no-brackets@x", "no-brackets@x"),
        ("Message-ID: <" + "a" * 2000 + "@x>", None),
        ("Message-ID:", None),
    ],
)
def test_the_message_id_comes_from_the_header_block(header: str, expected: str | None) -> None:
    email = inbound_email(read_form(CONTENT_TYPE, post(headers=f"From: a@x\n{header}\n")), AT)
    if expected is None:
        assert email.provider_id.startswith("sha256:")
    else:
        assert email.provider_id == expected == email.raw["message_id"]


@pytest.mark.parametrize(
    ("from_", "envelope_from", "expected"),
    [
        ("Maria Lopez <Maria.Lopez@Example.com>", "other@example.com", "maria.lopez@example.com"),
        ('"López, María" <MARIA@example.com>', None, "maria@example.com"),
        ("=?UTF-8?B?TWFyw61h?= <maria@example.com>", None, "maria@example.com"),
        (None, "Bounce+Maria@Example.com", "bounce+maria@example.com"),
        ("undisclosed-recipients:;", "maria@example.com", "maria@example.com"),
        ("", "maria@example.com", "maria@example.com"),
    ],
)
def test_the_sender(from_: str | None, envelope_from: str | None, expected: str) -> None:
    email = inbound_email(
        read_form(CONTENT_TYPE, post(from_=from_, envelope_from=envelope_from)), AT
    )
    assert email.address == expected


@pytest.mark.parametrize(
    "fields",
    [
        [("text", b"hi")],
        [("from", b"nobody"), ("envelope", b'{"from": null}')],
        [("from", b""), ("envelope", b"not json")],
        [("envelope", b'["maria@example.com"]')],
    ],
)
def test_no_sender_is_malformed(fields: list[tuple[str, bytes]]) -> None:
    with pytest.raises(MalformedEvent) as caught:
        inbound_email(read_form(CONTENT_TYPE, multipart(fields)), AT)
    assert caught.value.fields == ["from"]


PDF = b"%PDF-1.4\r\n%\xe2\xe3\xcf\xd3\r\n" + bytes(range(256)) + b"\r\n--xYzZ\r\n\x00"


def test_attachments_are_kept_as_bytes_with_their_info() -> None:
    info = {
        "attachment1": {
            "filename": "dispute letter.pdf",
            "name": "dispute letter.pdf",
            "type": "application/pdf",
        },
        "attachment2": {"name": "Müller.png", "type": "image/png", "content-id": "ii_1"},
        "attachment10": {},
    }
    files: list[File] = [
        ("attachment10", "tenth.bin", None, b"ten"),
        ("attachment1", "ignored.pdf", "application/octet-stream", PDF),
        ("attachment2", "Müller.png", "image/png", b"\x89PNG\r\n\x1a\n\x00"),
        ("photo", "not-numbered.jpg", "image/jpeg", b"jpeg"),
    ]
    extra = [("attachment-info", json.dumps(info).encode())]
    email = inbound_email(read_form(CONTENT_TYPE, post(extra=extra, files=files)), AT)
    assert email.attachments == (
        Attachment("dispute letter.pdf", "application/pdf", PDF),
        Attachment("Müller.png", "image/png", b"\x89PNG\r\n\x1a\n\x00"),
        Attachment("tenth.bin", "application/octet-stream", b"ten"),
    )


def test_without_attachment_info_the_parts_name_themselves() -> None:
    files: list[File] = [("attachment1", "scan.jpg", "image/jpeg", b"\xff\xd8\xff")]
    extra = [("attachment-info", b"{broken")]
    email = inbound_email(read_form(CONTENT_TYPE, post(extra=extra, files=files)), AT)
    assert email.attachments == (Attachment("scan.jpg", "image/jpeg", b"\xff\xd8\xff"),)


def test_read_form_keeps_binary_parts_byte_exact() -> None:
    body = multipart(
        [("text", "día\r\n".encode())], [("attachment1", "a.pdf", "application/pdf", PDF)]
    )
    form = read_form(CONTENT_TYPE, body)
    assert form == InboundForm(
        {"text": "día\r\n".encode()}, [FilePart("attachment1", "a.pdf", "application/pdf", PDF)]
    )


def test_read_form_reads_sendgrids_sample_post() -> None:
    # sendgrid-python's helpers/inbound/sample_data/default_data.txt (bare LF line breaks).
    sample = (
        b'--xYzZY\nContent-Disposition: form-data; name="headers"\n\n'
        b"MIME-Version: 1.0\nFrom: Example User <test@example.com>\n"
        b"Subject: Inbound Parse Test Data\n"
        b"To: inbound@inbound.example.com\n\n"
        b'--xYzZY\nContent-Disposition: form-data; name="to"\n\ninbound@inbound.example.com\n'
        b'--xYzZY\nContent-Disposition: form-data; name="html"\n\n'
        b"<html><body><strong>Hello Twilio SendGrid!</body></html>\n\n"
        b'--xYzZY\nContent-Disposition: form-data; name="from"\n\nExample User <test@example.com>\n'
        b'--xYzZY\nContent-Disposition: form-data; name="text"\n\nHello Twilio SendGrid!\n\n'
        b'--xYzZY\nContent-Disposition: form-data; name="envelope"\n\n'
        b'{"to":["inbound@inbound.example.com"],"from":"test@example.com"}\n'
        b'--xYzZY\nContent-Disposition: form-data; name="subject"\n\nTesting non-raw\n'
        b'--xYzZY\nContent-Disposition: form-data; name="charsets"\n\n'
        b'{"to":"UTF-8","html":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"UTF-8"}\n'
        b"--xYzZY--\n"
    )
    email = inbound_email(read_form(CONTENT_TYPE, sample), AT)
    assert (email.address, email.body, email.subject) == (
        "test@example.com",
        "Hello Twilio SendGrid!",
        "Testing non-raw",
    )


def test_a_quoted_boundary_and_rfc2231_names_are_read() -> None:
    body = multipart([("from", b"a@example.com"), ("text", b"hi")], boundary="a b=c")
    assert parse(body, 'multipart/form-data; boundary="a b=c"') == "hi"
    raw = (
        b"--B\r\nContent-Disposition: form-data; name*=UTF-8''text\r\n\r\nhola\r\n"
        b"--B\r\nContent-Disposition: form-data; name=from\r\n\r\na@example.com\r\n--B--\r\n"
    )
    assert parse(raw, "multipart/form-data; boundary=B") == "hola"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param("text/plain", post(), id="text-plain"),
        pytest.param("application/json", b'{"from": "a@example.com"}', id="json"),
        pytest.param("application/x-www-form-urlencoded", b"from=a%40example.com", id="urlencoded"),
        pytest.param("multipart/form-data", post(), id="no-boundary"),
        pytest.param("multipart/form-data; boundary=", post(), id="empty-boundary"),
        pytest.param("multipart/mixed; boundary=xYzZY", post(), id="multipart-mixed"),
        pytest.param("", post(), id="no-content-type"),
        pytest.param(CONTENT_TYPE, b"", id="empty-body"),
        pytest.param(CONTENT_TYPE, b"garbage \x00\xff" * 100, id="garbage"),
        pytest.param(CONTENT_TYPE, b"--xYzZY--\r\n", id="no-parts"),
        pytest.param("multipart/form-data; boundary=other", post(), id="wrong-boundary"),
        pytest.param(CONTENT_TYPE, multipart([("", b"x")]), id="unnamed-part"),
        pytest.param(
            CONTENT_TYPE,
            b"--xYzZY\r\nContent-Disposition: attachment\r\n\r\nx\r\n--xYzZY--\r\n",
            id="no-name-param",
        ),
        pytest.param(
            CONTENT_TYPE + "\r\nContent-Transfer-Encoding: base64", post(), id="header-injection"
        ),
        pytest.param("multipart/form-data; boundary=xYzZY; é", post(), id="non-ascii-type"),
    ],
)
def test_garbage_requests_are_malformed(content_type: str, body: bytes) -> None:
    with pytest.raises(MalformedEvent) as caught:
        read_form(content_type, body)
    assert caught.value.fields == ["body"]
