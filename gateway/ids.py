"""Public identifiers: a short type prefix, then a time-ordered random part."""

import time
import uuid


def new_id(prefix: str) -> str:
    """A fresh id such as ``msg_1879a3c2e4f10b2a9c...``.

    The nanosecond clock comes first, so ids sort in creation order: messages stored in the
    same instant (one transaction) still list in the order they were written.
    """
    return f"{prefix}_{time.time_ns():016x}{uuid.uuid4().hex[:16]}"
