"""Inbound Parse: the multipart/form-data request SendGrid posts for a received mail.

Default ("parsed", not raw) mode, from SendGrid's Inbound Parse docs and the sample posts in the
``sendgrid`` package (``helpers/inbound/sample_data``): text fields ``headers`` (the raw header
block), ``dkim``, ``to``, ``html``, ``from``, ``text``, ``sender_ip``, ``spam_report``,
``envelope`` (JSON), ``attachments`` (a count), ``subject``, ``spam_score``, ``attachment-info``
(JSON, when there are attachments), ``charsets`` (JSON: the charset of each text field) and
``SPF``, then one file part per attachment (``attachment1``...). The parts carry no charset of
their own: ``text``, ``html`` and ``subject`` are the mail's bytes in the mail's charset, which
only ``charsets`` tells. SendGrid's boundary is ``xYzZY``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime, formataddr, getaddresses, parseaddr

# (filename, content type, content)
Attachment = tuple[str, str, bytes]


def inbound_form(
    *,
    from_: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    charset: str = "utf-8",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> tuple[bytes, str]:
    """The body SendGrid posts for a mail ``from_`` -> ``to``, and its Content-Type value.

    ``text``, ``html`` and ``subject`` are encoded in ``charset`` (so a Latin-1 reply arrives as
    Latin-1 bytes); ``message_id`` defaults to a fresh ``<...@mail.example.com>``.
    """
    sender = parseaddr(from_)[1]
    headers = _header_block(
        from_=from_,
        to=to,
        subject=subject,
        charset=charset,
        message_id=message_id or f"<{secrets.token_hex(12)}@mail.example.com>",
        in_reply_to=in_reply_to,
        references=references,
        multipart="mixed" if attachments else "alternative" if html is not None else None,
    )
    charsets = {
        "to": "UTF-8",
        "html": charset,
        "subject": charset,
        "from": "UTF-8",
        "text": charset,
    }
    if html is None:
        del charsets["html"]
    fields: list[tuple[str, bytes]] = [
        ("headers", headers.encode()),
        ("dkim", f"{{@{sender.rpartition('@')[2]} : pass}}".encode()),
        ("to", to.encode()),
    ]
    if html is not None:
        fields.append(("html", html.encode(charset)))
    fields += [
        ("from", from_.encode()),
        ("text", text.encode(charset)),
        ("sender_ip", b"203.0.113.7"),
        ("spam_report", b"Spam detection software has NOT identified this email as spam."),
        ("envelope", _json({"to": [a for _, a in getaddresses([to])], "from": sender})),
        ("attachments", str(len(attachments)).encode()),
        ("subject", subject.encode(charset)),
        ("spam_score", b"0.1"),
    ]
    if attachments:
        info = {
            f"attachment{n}": {"filename": name, "name": name, "type": kind}
            for n, (name, kind, _) in enumerate(attachments, start=1)
        }
        fields.append(("attachment-info", _json(info)))
    fields += [("charsets", _json(charsets)), ("SPF", b"pass")]
    return _multipart(fields, attachments)


def _header_block(
    *,
    from_: str,
    to: str,
    subject: str,
    charset: str,
    message_id: str,
    in_reply_to: str | None,
    references: str | None,
    multipart: str | None,
) -> str:
    """The mail's raw header block, as the ``headers`` field carries it (RFC 2047 where needed)."""
    boundary = secrets.token_hex(14)
    content_type = (
        f'multipart/{multipart}; boundary="{boundary}"'
        if multipart
        else f'text/plain; charset="{charset}"'
    )
    lines = [
        ("MIME-Version", "1.0"),
        ("Date", format_datetime(datetime.now(UTC))),
        ("Message-ID", message_id),
        ("In-Reply-To", in_reply_to),
        ("References", references),
        ("Subject", subject if subject.isascii() else Header(subject, charset).encode()),
        ("From", _addresses(from_)),
        ("To", _addresses(to)),
        ("Content-Type", content_type),
    ]
    return "".join(f"{name}: {value}\n" for name, value in lines if value is not None)


def _addresses(value: str) -> str:
    """Addresses as a header has them: a non-ASCII display name RFC 2047-encoded."""
    return ", ".join(formataddr(pair, charset="utf-8") for pair in getaddresses([value]))


def _json(value: object) -> bytes:
    """Compact JSON, as SendGrid writes ``envelope``, ``charsets`` and ``attachment-info``."""
    return json.dumps(value, separators=(",", ":")).encode()


def _multipart(fields: list[tuple[str, bytes]], files: Sequence[Attachment]) -> tuple[bytes, str]:
    """multipart/form-data with ``fields`` then ``files`` as ``attachment1``..., and its type."""
    parts: list[tuple[str, str | None, bytes]] = [
        (f'form-data; name="{name}"', None, value) for name, value in fields
    ]
    for n, (filename, kind, content) in enumerate(files, start=1):
        quoted = filename.replace('"', "%22")
        parts.append((f'form-data; name="attachment{n}"; filename="{quoted}"', kind, content))
    boundary = "xYzZY"
    # A boundary must not occur in the content: SendGrid's own, unless a part happens to hold it.
    while any(boundary.encode() in content for _, _, content in parts):
        boundary = f"xYzZY{secrets.token_hex(8)}"
    body = bytearray()
    for disposition, part_type, content in parts:
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if part_type is not None:
            body += f"Content-Type: {part_type}\r\n".encode()
        body += b"\r\n" + content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return bytes(body), f"multipart/form-data; boundary={boundary}"
