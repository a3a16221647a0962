"""Downloading a recording's audio: the errors a fetch ends in, a size-bounded body read, and
the plain download of a dialer's recording URL (Twilio's own is ``twilio_recordings``)."""

from __future__ import annotations

import aiohttp

CHUNK_BYTES = 64 * 1024


class RecordingFetchError(Exception):
    """The download failed in a way that may pass (network, timeout, 429, 5xx): retry later."""


class RecordingGone(Exception):
    """The recording cannot be downloaded, now or later (404/401/403, or a refused URL)."""


class RecordingTooLarge(RecordingGone):
    """The recording is larger than the caller accepts; trying again will not shrink it."""


def transient(status: int) -> bool:
    """Whether an HTTP status may pass on its own (throttling, a server error)."""
    return status == 429 or status >= 500


async def read_limited(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    """The response's body, refused (RecordingTooLarge) past ``max_bytes`` without holding
    more than that: the declared length is checked first, then the bytes as they stream."""
    if response.content_length is not None and response.content_length > max_bytes:
        raise RecordingTooLarge(f"{response.content_length} bytes > {max_bytes}")
    audio = bytearray()
    async for chunk in response.content.iter_chunked(CHUNK_BYTES):
        audio += chunk
        if len(audio) > max_bytes:
            raise RecordingTooLarge(f"more than {max_bytes} bytes")
    return bytes(audio)


async def download(
    session: aiohttp.ClientSession, url: str, *, max_bytes: int, seconds: float
) -> bytes:
    """GET a dialer's recording URL (the core system that sent it is trusted with it)."""
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=seconds)) as response:
            if response.status != 200:
                error = RecordingFetchError if transient(response.status) else RecordingGone
                raise error(f"the recording URL answered HTTP {response.status}")
            return await read_limited(response, max_bytes)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise RecordingFetchError(f"network: {type(exc).__name__}") from None
