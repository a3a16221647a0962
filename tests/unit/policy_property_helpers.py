"""Zones, instants and the process time zone, shared by the policy property tests
(test_policies_properties*.py)."""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from hypothesis import strategies as st

CONTIGUOUS_US = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
)
US_ZONES = (
    *CONTIGUOUS_US,
    "America/Anchorage",
    "America/Adak",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "Pacific/Guam",
    "America/Indiana/Indianapolis",
)
# Offsets that differ from each other and from UTC, including a half-hour and a +12:45 one.
PROCESS_ZONES = ("UTC", "Asia/Kolkata", "America/Anchorage", "Pacific/Chatham")

nows = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2037, 12, 31),
    timezones=st.timezones(),
    allow_imaginary=False,
)


@contextmanager
def process_timezone(name: str) -> Iterator[None]:
    saved = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()
