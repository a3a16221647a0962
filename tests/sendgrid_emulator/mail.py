"""``SentMail``: a mail SendGrid accepted, read from a validated Mail Send body."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SentMail:
    """One accepted mail: the request body and the fields tests look at.

    ``headers`` and ``custom_args`` merge the top-level values with the first personalization's,
    which win, as SendGrid applies them. ``to`` lists the ``to`` addresses of every
    personalization.
    """

    x_message_id: str
    json: dict[str, Any]
    to: list[str]
    subject: str | None
    text: str | None
    html: str | None
    headers: dict[str, str]
    custom_args: dict[str, str]
    reply_to: str | None
    from_email: str
    from_name: str | None
    categories: list[str] = field(default_factory=list)

    @property
    def message_id(self) -> str:
        """The ``Message-ID`` the mail went out with (what a reply's ``In-Reply-To`` names).

        A ``Message-ID`` given in ``headers`` is kept; otherwise SendGrid makes one from the
        X-Message-Id and the name of the MTA that took it. Events carry it as ``smtp-id``.
        """
        for name, value in self.headers.items():
            if name.lower() == "message-id":
                return value
        return f"<{self.x_message_id}@geopod-ismtpd-1>"


def sent_mail(x_message_id: str, body: dict[str, Any]) -> SentMail:
    """The ``SentMail`` for a Mail Send ``body`` that passed validation."""
    personalizations: list[dict[str, Any]] = body["personalizations"]
    first = personalizations[0]
    contents = {item["type"]: item["value"] for item in body.get("content", [])}
    sender = first.get("from") or body["from"]
    reply_to = body.get("reply_to") or next(iter(body.get("reply_to_list", [])), None)
    return SentMail(
        x_message_id=x_message_id,
        json=body,
        to=[to["email"] for p in personalizations for to in p["to"]],
        subject=first.get("subject", body.get("subject")),
        text=contents.get("text/plain"),
        html=contents.get("text/html"),
        headers={**body.get("headers", {}), **first.get("headers", {})},
        custom_args={**body.get("custom_args", {}), **first.get("custom_args", {})},
        reply_to=reply_to["email"] if reply_to else None,
        from_email=sender["email"],
        from_name=sender.get("name"),
        categories=list(body.get("categories", [])),
    )
