"""Mail Send validation: the 400s SendGrid answers an invalid mail with, one error at a time.

Field names and messages follow SendGrid's Mail Send errors reference: ``personalizations``,
``personalizations.0.to``, ``personalizations.0.to.0.email``, ``from.email``, ``subject``,
``content``, ``content.0.value``, ``custom_args``, ``headers``, ``reply_to.email``,
``categories``. The body the ``sendgrid`` package's ``Mail.get()`` builds (from with a name,
personalizations with ``to``, subject, text/plain then text/html content, ``custom_args``,
``headers``, ``reply_to``) passes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .formats import MAX_CUSTOM_ARGS_BYTES, MAX_PERSONALIZATIONS, error_body, mail_error_help

# Headers SendGrid sets itself and refuses from the sender (compared case-insensitively).
RESERVED_HEADERS = frozenset(
    {
        "x-sg-id",
        "x-sg-eid",
        "received",
        "dkim-signature",
        "content-type",
        "content-transfer-encoding",
        "to",
        "from",
        "subject",
        "reply-to",
        "cc",
        "bcc",
    }
)
# Loose on purpose: SendGrid refuses what is plainly not an address, not every RFC 5322 oddity.
_ADDRESS = re.compile(r"[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_MAX_CATEGORIES = 10


@dataclass
class InvalidMail(Exception):
    """Why a mail is refused: SendGrid's message, the field it names and the help anchor."""

    message: str
    field: str
    anchor: str

    def body(self) -> dict[str, Any]:
        """The 400 body SendGrid answers with."""
        return error_body(self.message, self.field, mail_error_help(self.anchor))


def validate_mail(body: dict[str, Any]) -> None:
    """Raise ``InvalidMail`` if SendGrid refuses the mail ``body``, saying why."""
    templated = isinstance(body.get("template_id"), str)
    personalizations = _personalizations(body.get("personalizations"))
    _address(body.get("from"), "from", "message.from")
    if "reply_to" in body:
        _address(body["reply_to"], "reply_to", "message.reply_to")
    subjects = [p.get("subject") for p in personalizations]
    if not (templated or _text(body.get("subject")) or all(_text(s) for s in subjects)):
        raise InvalidMail(
            "The subject is required. You can get around this requirement if you use a template "
            "with a subject defined or if every personalization has a subject defined.",
            "subject",
            "message.subject",
        )
    if not templated or "content" in body:
        _content(body.get("content"))
    _string_map(body.get("headers", {}), "headers")
    _headers_allowed(body.get("headers", {}), "headers")
    _string_map(body.get("custom_args", {}), "custom_args")
    for index, personalization in enumerate(personalizations):
        prefix = f"personalizations.{index}"
        _string_map(personalization.get("headers", {}), f"{prefix}.headers")
        _headers_allowed(personalization.get("headers", {}), f"{prefix}.headers")
        _string_map(personalization.get("custom_args", {}), f"{prefix}.custom_args")
        merged = {**body.get("custom_args", {}), **personalization.get("custom_args", {})}
        if len(json.dumps(merged).encode()) > MAX_CUSTOM_ARGS_BYTES:
            raise InvalidMail(
                "The custom_args of a personalization may total at most "
                f"{MAX_CUSTOM_ARGS_BYTES} bytes.",
                "custom_args",
                "message.custom_args",
            )
    _categories(body.get("categories", []))


def _text(value: object) -> bool:
    return isinstance(value, str) and value != ""


def _personalizations(value: object) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise InvalidMail(
            "The personalizations field is required and must have at least one personalization.",
            "personalizations",
            "-Personalizations-Errors",
        )
    if len(value) > MAX_PERSONALIZATIONS:
        raise InvalidMail(
            f"The personalization block is limited to {MAX_PERSONALIZATIONS} personalizations per "
            f"API request. You have provided {len(value)} personalizations. Please consider "
            "splitting this into multiple requests and resending your request.",
            "personalizations",
            "message.personalizations",
        )
    for index, personalization in enumerate(value):
        prefix = f"personalizations.{index}"
        if not isinstance(personalization, dict):
            raise InvalidMail("Invalid type. Expected: object.", prefix, "message.personalizations")
        tos = personalization.get("to")
        if not isinstance(tos, list) or not tos:
            raise InvalidMail(
                "The to array is required for all personalization objects, and must have at "
                "least one email object with a valid email address.",
                f"{prefix}.to",
                "message.personalizations.to",
            )
        seen: set[str] = set()
        for kind in ("to", "cc", "bcc"):
            recipients = personalization.get(kind, [])
            if not isinstance(recipients, list):
                raise InvalidMail(
                    "Invalid type. Expected: array.",
                    f"{prefix}.{kind}",
                    f"message.personalizations.{kind}",
                )
            for position, recipient in enumerate(recipients):
                where = f"{prefix}.{kind}.{position}"
                address = _address(recipient, where, f"message.personalizations.{kind}").lower()
                # SendGrid refuses to deliver one mail twice to an address of a personalization.
                if address in seen:
                    raise InvalidMail(
                        "Each email address in the personalization block should be unique "
                        "between to, cc, and bcc. We found the first duplicate instance of "
                        f"[{address}] in the {where[: where.rfind('.')]} field.",
                        prefix,
                        "message.personalizations",
                    )
                seen.add(address)
        if "from" in personalization:
            _address(personalization["from"], f"{prefix}.from", "message.from")
    return value


def _address(value: object, where: str, anchor: str) -> str:
    """The ``email`` of an ``{"email", "name"?}`` object, which must be a valid address."""
    email = value.get("email") if isinstance(value, dict) else None
    if not isinstance(email, str) or not _ADDRESS.fullmatch(email):
        message = (
            "The from object must be provided for every email send. It is an object that "
            'requires the email parameter, but may also contain a name parameter.  e.g. {"email" '
            ': "example@example.com"}  or {"email" : "example@example.com", "name" : "Example '
            'Recipient"}.'
            if where == "from" and email is None
            else "Does not contain a valid address."
        )
        raise InvalidMail(message, f"{where}.email", anchor)
    return email


def _content(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise InvalidMail(
            "Unless a valid template_id is provided, the content parameter is required. There "
            "must be at least one defined content block. We typically suggest both text/plain "
            "and text/html blocks are included, but only one block is required.",
            "content",
            "message.content",
        )
    for index, block in enumerate(value):
        item = block if isinstance(block, dict) else {}
        if not _text(item.get("type")):
            raise InvalidMail(
                "The content type must be a string at least one character in length.",
                f"content.{index}.type",
                "message.content.type",
            )
        if not _text(item.get("value")):
            raise InvalidMail(
                "The content value must be a string at least one character in length.",
                f"content.{index}.value",
                "message.content.value",
            )
    types = [block["type"] for block in value]
    if "text/plain" in types and types[0] != "text/plain":
        raise InvalidMail(
            "If present, text/plain content must be first, followed by any other content.",
            "content",
            "message.content",
        )


def _string_map(value: object, where: str) -> None:
    """``value`` must be a JSON object whose values are all strings."""
    name = where.rsplit(".", 1)[-1]
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InvalidMail(
            f"The {name} parameter must be an object whose values are all strings.",
            where,
            f"message.{name}",
        )


def _headers_allowed(headers: dict[str, str], where: str) -> None:
    refused = sorted(name for name in headers if name.lower() in RESERVED_HEADERS)
    if refused:
        raise InvalidMail(
            f"The following headers are reserved and cannot be set: {', '.join(refused)}.",
            where,
            "message.headers",
        )


def _categories(value: object) -> None:
    if (
        not isinstance(value, list)
        or len(value) > _MAX_CATEGORIES
        or not all(isinstance(c, str) and 0 < len(c) <= 255 for c in value)
    ):
        raise InvalidMail(
            f"The categories must be at most {_MAX_CATEGORIES} strings of 1 to 255 characters.",
            "categories",
            "message.categories",
        )
