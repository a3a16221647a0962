"""Public identifiers: a short type prefix and a random part, sortable by nothing secret."""

import uuid


def new_id(prefix: str) -> str:
    """A fresh id such as ``out_3f2a...`` (prefix tells what it names)."""
    return f"{prefix}_{uuid.uuid4().hex}"
