"""Files that come with inbound email: kept for agents, never opened, rendered or run.

A file is kept when its size is within ``PARLEY_ATTACHMENT_MAX_BYTES`` and both its declared
type and its first bytes say it is one of ``PARLEY_ATTACHMENT_TYPES`` (a renamed executable
claiming to be a PDF is refused). Kept files live under ``<var>/attachments`` named by their
SHA-256; each file, kept or refused, is listed on its message so an agent knows it came.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.events import Attachment
from gateway.config import Settings
from gateway.db.tables import attachments
from gateway.ids import new_id

# What each allowed type's first bytes look like; text/plain is checked by decoding instead.
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
}
_UNSAFE_NAME = re.compile(r"[^\w.\- ()]+")


def storage_dir(settings: Settings) -> Path:
    """Where kept files live."""
    return settings.var_dir / "attachments"


def _looks_like(content_type: str, content: bytes) -> bool:
    if content_type == "text/plain":
        try:
            return "\x00" not in content.decode("utf-8")
        except UnicodeDecodeError:
            return False
    if content_type == "image/heic":
        return content[4:8] == b"ftyp" and content[8:12] in (b"heic", b"heix", b"mif1")
    # A type the deployment allows that has no known signature goes on its declared type.
    magic = _MAGIC.get(content_type)
    return magic is None or content.startswith(magic)


def refusal(attachment: Attachment, settings: Settings) -> str | None:
    """Why the file is not kept (``too_large``, ``type_not_allowed``); None: it is kept."""
    if len(attachment.content) > settings.attachment_max_bytes:
        return "too_large"
    declared = attachment.content_type.split(";")[0].strip().lower()
    if declared not in settings.attachment_types or not _looks_like(declared, attachment.content):
        return "type_not_allowed"
    return None


def safe_filename(name: str) -> str:
    """A file name fit to show and to offer for download: no path, no control characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    return name[:200] or "attachment"


def store_files(files: Iterable[Attachment], settings: Settings) -> None:
    """Write the files that will be kept, before the transaction that lists them: a rollback
    leaves at most an unlisted file, never a listed file that is missing."""
    directory = storage_dir(settings)
    for attachment in files:
        if refusal(attachment, settings) is not None:
            continue
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / hashlib.sha256(attachment.content).hexdigest()
        if not path.exists():
            partial = path.with_suffix(".partial")
            partial.write_bytes(attachment.content)
            partial.replace(path)


async def list_files(
    conn: AsyncConnection,
    message_id: str,
    files: Sequence[Attachment],
    settings: Settings,
    now: datetime,
) -> None:
    """List the message's files, kept or refused, in the caller's transaction."""
    for attachment in files:
        await conn.execute(
            attachments.insert().values(
                id=new_id("att"),
                message_id=message_id,
                filename=safe_filename(attachment.filename),
                content_type=attachment.content_type.split(";")[0].strip().lower()[:100],
                size=len(attachment.content),
                sha256=hashlib.sha256(attachment.content).hexdigest(),
                refused=refusal(attachment, settings),
                created_at=now,
            )
        )


async def files_of(conn: AsyncConnection, message_ids: Sequence[str]) -> dict[str, list[Any]]:
    """The files listed on each of the messages, oldest first."""
    if not message_ids:
        return {}
    rows = await conn.execute(
        select(attachments)
        .where(attachments.c.message_id.in_(list(message_ids)))
        .order_by(attachments.c.created_at, attachments.c.id)
    )
    found: dict[str, list[Any]] = {}
    for row in rows:
        found.setdefault(row.message_id, []).append(row)
    return found


async def kept_file(conn: AsyncConnection, attachment_id: str, settings: Settings) -> Any:
    """A kept file's row and path, or None (unknown, refused, or missing on disk)."""
    row = (await conn.execute(select(attachments).where(attachments.c.id == attachment_id))).first()
    if row is None or row.refused is not None:
        return None
    path = storage_dir(settings) / row.sha256
    return (row, path) if path.is_file() else None
