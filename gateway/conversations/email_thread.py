"""A conversation's reply as an email: in the consumer's thread, with an HTML part and the
message's own unsubscribe link.

Mail clients thread a reply by ``In-Reply-To``/``References`` (the Message-ID the consumer's
email came with, kept as its provider id) and by a "Re:" subject.
"""

from __future__ import annotations

from typing import Any

import jinja2
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.config import Settings
from gateway.db.tables import messages
from gateway.records.unsubscribe import unsubscribe_url

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
_HTML = _ENV.from_string(
    """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ subject }}</title></head>
<body style="margin:0;padding:0;font-family:Arial,Helvetica,sans-serif;font-size:16px;\
line-height:1.5;color:#1b1b1b;">
<div style="max-width:600px;margin:0 auto;padding:24px 16px;">
{% for paragraph in paragraphs %}<p>{% for line in paragraph %}{{ line }}{% if not loop.last %}\
<br>{% endif %}{% endfor %}</p>
{% endfor %}<hr style="border:none;border-top:1px solid #d0d0d0;margin:24px 0;">
<p style="font-size:14px;color:#444444;">{{ collector }}. To stop receiving emails from us,
<a href="{{ unsubscribe_url }}" style="color:#1d4ed8;">unsubscribe</a>
or reply with the word STOP.</p>
</div>
</body>
</html>"""
)


def _footer(url: str) -> str:
    return f"To stop receiving emails from us, reply with the word STOP or unsubscribe here:\n{url}"


async def email_parts(
    conn: AsyncConnection,
    conversation_id: str | None,
    body: str,
    message_id: str,
    settings: Settings,
) -> dict[str, Any]:
    """The message columns of a reply by email: subject, text and HTML parts, thread headers."""
    last = None
    if conversation_id is not None:
        last = (
            await conn.execute(
                select(messages.c.subject, messages.c.provider_id)
                .where(
                    messages.c.conversation_id == conversation_id,
                    messages.c.direction == "inbound",
                    messages.c.channel == "email",
                )
                .order_by(messages.c.created_at.desc(), messages.c.id.desc())
                .limit(1)
            )
        ).first()
    subject = f"Message from {settings.collector_name}"
    headers: dict[str, str] | None = None
    if last is not None:
        if last.subject:
            original = last.subject.strip()
            subject = original if original.lower().startswith("re:") else f"Re: {original}"
        if last.provider_id and last.provider_id.startswith("<"):
            headers = {"In-Reply-To": last.provider_id, "References": last.provider_id}
    url = unsubscribe_url(settings, message_id)
    paragraphs = [p.splitlines() for p in body.split("\n\n") if p.strip()]
    html = _HTML.render(
        subject=subject,
        paragraphs=paragraphs,
        collector=settings.collector_name,
        unsubscribe_url=url,
    )
    return {
        "subject": subject[:300],
        "body": f"{body.rstrip()}\n\n{_footer(url)}",
        "html": html,
        "headers": headers,
    }
