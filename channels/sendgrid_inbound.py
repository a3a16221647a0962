"""SendGrid Inbound Parse (the default "parsed" mode) as an InboundText.

SendGrid receives a consumer's email, splits it up and POSTs it as multipart/form-data (up to
30 MB): text fields (``from``, ``to``, ``subject``, ``text``, ``html``, ``headers``, ``envelope``,
``charsets``, ``attachment-info``, ``spam_score``, ...) each in the charset ``charsets`` names,
and one file part per attachment (``attachment1``..``attachmentN``).

What the gateway gets is the consumer's new words only: quoted history, the attribution line
above it and the signature are removed (``channels.email_text``). Attachments are kept as bytes,
never decoded or opened.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.errors import MessageError
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser, HeaderParser
from email.utils import collapse_rfc2231_value, parseaddr
from typing import Any

from channels.email_text import html_to_text, reply_only
from channels.events import Attachment, InboundText, MalformedEvent

__all__ = ["PROVIDER", "FilePart", "InboundForm", "inbound_email", "read_form"]

PROVIDER = "sendgrid"
_MAX_MESSAGE_ID = 998  # RFC 5322's line length: anything longer is not a Message-ID
_MAX_HEADER = 16_000
_PARSE_ERRORS = (ValueError, TypeError, LookupError, IndexError, AttributeError, MessageError)
_ATTACHMENT_FIELD = re.compile(r"attachment([1-9][0-9]{0,5})")
_UNSTORABLE = re.compile("[\0\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class FilePart:
    """An uploaded file of the form: an attachment, as bytes."""

    field: str
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class InboundForm:
    """A multipart/form-data body: text fields as raw bytes (first of each name), and files."""

    fields: dict[str, bytes]
    files: list[FilePart]


def read_form(content_type: str, body: bytes) -> InboundForm:
    """Split a multipart/form-data request body (its Content-Type header given) into parts.

    Raises MalformedEvent naming "body" when the request is not multipart/form-data with a
    boundary, or has no named parts.
    """
    # The header is pasted into a synthetic message: a line break would let it add headers.
    if not content_type.isascii() or any(c in content_type for c in "\r\n\0"):
        raise MalformedEvent(PROVIDER, ["body"])
    head = b"MIME-Version: 1.0\r\nContent-Type: " + content_type.encode("ascii") + b"\r\n\r\n"
    fields: dict[str, bytes] = {}
    files: list[FilePart] = []
    try:
        # policy.HTTP keeps binary payloads byte-exact and reads UTF-8 filenames as sent.
        message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
        form_data = message.get_content_type() == "multipart/form-data"
        parts = message.get_payload() if form_data and message.get_boundary() else None
    except _PARSE_ERRORS as exc:
        raise MalformedEvent(PROVIDER, ["body"]) from exc
    try:
        for part in parts if isinstance(parts, list) else []:
            if not isinstance(part, Message) or part.is_multipart():  # not a form field
                continue
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            name = collapse_rfc2231_value(name)
            content = part.get_payload(decode=True)
            content = content if isinstance(content, bytes) else b""
            filename = part.get_filename()
            if filename is None:
                fields.setdefault(name, content)
            else:
                ctype = part.get_content_type() if "content-type" in part else ""
                files.append(FilePart(name, filename, ctype or "application/octet-stream", content))
    except _PARSE_ERRORS as exc:
        raise MalformedEvent(PROVIDER, ["body"]) from exc
    if not fields and not files:
        raise MalformedEvent(PROVIDER, ["body"])
    return InboundForm(fields, files)


def _scrub(text: str) -> str:
    """No lone surrogates (some codecs make them) and no NULs: text a database will store."""
    return _UNSTORABLE.sub("\ufffd", text)


def _json(data: bytes | None) -> Any:
    try:
        return json.loads(data.decode("utf-8", "replace")) if data else None
    except (ValueError, RecursionError):
        return None


def _decoder(form: InboundForm) -> Callable[[str], str | None]:
    """A function decoding a text field with the charset SendGrid reports for it."""
    reported = _json(form.fields.get("charsets"))
    charsets = reported if isinstance(reported, dict) else {}

    def decode(name: str) -> str | None:
        data = form.fields.get(name)
        if data is None:
            return None
        charset = charsets.get(name)
        try:
            codec = codecs.lookup(charset).name if isinstance(charset, str) else "utf-8"
        except (LookupError, ValueError):
            codec = "utf-8"
        # Mail labelled ASCII is often UTF-8; UTF-8 reads true ASCII the same.
        try:
            text = data.decode("utf-8" if codec == "ascii" else codec, "replace")
        except (LookupError, ValueError):  # not a text encoding (rot13, zlib, ...)
            text = data.decode("utf-8", "replace")
        return _scrub(text)

    return decode


def _header_words(value: str) -> str:
    """RFC 2047 encoded-words decoded, folding undone."""
    with contextlib.suppress(*_PARSE_ERRORS):  # an unknown charset, a broken encoded-word
        value = str(make_header(decode_header(value))).strip() or value
    return _scrub(" ".join(value.split()))


def _sender(form: InboundForm, decode: Callable[[str], str | None]) -> str:
    """The From address, else the SMTP envelope's sender; MalformedEvent without either."""
    candidates = [parseaddr(decode("from") or "")[1]]
    envelope = _json(form.fields.get("envelope"))
    if isinstance(envelope, dict) and isinstance(envelope.get("from"), str):
        candidates.append(envelope["from"])
    for candidate in candidates:
        address = _scrub(candidate.strip().lower())
        if "@" in address and len(address) <= 320:
            return address
    raise MalformedEvent(PROVIDER, ["from"])


def _form_digest(form: InboundForm) -> str:
    """A stable id for a message without a Message-ID: a redelivery has the same fields."""
    digest = hashlib.sha256()
    for name in sorted(form.fields):
        for chunk in (name.encode("utf-8", "surrogatepass"), form.fields[name]):
            digest.update(len(chunk).to_bytes(8, "big") + chunk)
    return f"sha256:{digest.hexdigest()}"


def _attachments(form: InboundForm) -> tuple[Attachment, ...]:
    info = _json(form.fields.get("attachment-info"))
    info = info if isinstance(info, dict) else {}
    numbered = []
    for part in form.files:
        if match := _ATTACHMENT_FIELD.fullmatch(part.field):
            numbered.append((int(match.group(1)), part))
    attachments = []
    for _, part in sorted(numbered, key=lambda item: item[0]):
        meta = info.get(part.field)
        meta = meta if isinstance(meta, dict) else {}
        names = [meta.get("filename"), meta.get("name"), part.filename]
        filename = next((n for n in names if isinstance(n, str) and n.strip()), "")
        ctype = meta.get("type")
        ctype = ctype if isinstance(ctype, str) and ctype.strip() else part.content_type
        attachments.append(Attachment(_scrub(filename), _scrub(ctype), part.content))
    return tuple(attachments)


def inbound_email(form: InboundForm, received_at: datetime) -> InboundText:
    """An email from a consumer, its quoted history and signature removed.

    ``provider_id`` is the Message-ID (angle brackets kept); without one, a digest of the form.
    """
    decode = _decoder(form)
    address = _sender(form, decode)
    text = decode("text") or ""
    if not text.strip():
        text = html_to_text(decode("html") or "")
    subject = decode("subject")
    headers = HeaderParser(policy=policy.compat32).parsestr(decode("headers") or "")

    def header(name: str) -> str:  # unfolded; a header too long to be real is dropped
        value = " ".join(_scrub(str(headers.get(name) or "")).split())
        return value if len(value) <= _MAX_HEADER else ""

    message_id = header("Message-ID").replace(" ", "")
    found = {
        "message_id": message_id if len(message_id) <= _MAX_MESSAGE_ID else "",
        "in_reply_to": header("In-Reply-To"),
        "references": header("References"),
        "to": (decode("to") or "").strip(),
        "spam_score": (decode("spam_score") or "").strip(),
    }
    raw = {key: value for key, value in found.items() if value}
    return InboundText(
        channel="email",
        address=address,
        body=reply_only(text),
        provider=PROVIDER,
        provider_id=raw.get("message_id") or _form_digest(form),
        received_at=received_at,
        subject=_header_words(subject) if subject and subject.strip() else None,
        attachments=_attachments(form),
        raw=raw,
    )
