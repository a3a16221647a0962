"""Twilio call recordings: download the audio a webhook points at, delete it afterwards.

A recording's ``RecordingUrl`` arrives in a webhook, but downloading it sends the account's
credentials (HTTP basic auth, which the account enforces on media URLs), so the URL is only
trusted when it is a recording on the configured Twilio API host: anything else is refused
before a request is made. Redirects are followed, and aiohttp drops the Authorization header on
a hop to another origin, so a storage host the API redirects to never sees the credentials.

Errors name no URL (its path holds the account SID): the exceptions carry the HTTP status and
Twilio's error code, and are raised ``from None`` because aiohttp's own ones print the URL.
"""

from __future__ import annotations

import json
import re

import aiohttp
import yarl
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from channels.downloads import (
    RecordingFetchError,
    RecordingGone,
    RecordingTooLarge,
    read_limited,
    transient,
)
from channels.twilio_errors import mapped_errors

__all__ = [
    "RecordingFetchError",
    "RecordingGone",
    "RecordingTooLarge",
    "delete_recording",
    "fetch_recording",
]

# A recording under the API base: /2010-04-01/Accounts/{AccountSid}/Recordings/{Sid}[.ext],
# matched on the raw path so no percent-encoding can smuggle anything else in.
_RECORDING_PATH = re.compile(
    r"/2010-04-01/Accounts/AC[0-9a-fA-F]{32}/Recordings/RE[0-9a-fA-F]{32}(?P<ext>\.wav|\.mp3)?"
)
# Twilio's media formats; WAV is what it serves without an extension.
_DEFAULT_EXTENSION = ".wav"
_MAX_REDIRECTS = 3
# Enough of an error answer to read Twilio's JSON error code from.
_ERROR_BODY_BYTES = 4096


async def fetch_recording(
    session: aiohttp.ClientSession,
    *,
    recording_url: str,
    api_base_url: str,
    account_sid: str,
    auth_token: str,
    max_bytes: int,
    timeout: float,  # noqa: ASYNC109 - a budget for the whole download, redirects and body included
) -> bytes:
    """Download the audio of the recording at ``recording_url`` (``.wav`` unless it names
    ``.mp3``), authenticated as ``account_sid``.

    ``api_base_url`` is the Twilio API base the settings point at (https://api.twilio.com by
    default); a ``recording_url`` on another scheme, host or port, or that is not a recording
    path under it, raises RecordingGone without any request. More than ``max_bytes`` raises
    RecordingTooLarge, ``timeout`` seconds bounds the whole download.
    """
    url = _media_url(recording_url, api_base_url)
    try:
        async with session.get(
            url,
            headers={"Authorization": aiohttp.encode_basic_auth(account_sid, auth_token)},
            timeout=aiohttp.ClientTimeout(total=timeout),
            max_redirects=_MAX_REDIRECTS,
        ) as response:
            if response.status != 200:
                raise await _refusal(response)
            return await read_limited(response, max_bytes)
    except (aiohttp.ClientError, TimeoutError) as exc:
        # The cause is left out: aiohttp's errors print the URL.
        raise RecordingFetchError(f"network: {type(exc).__name__}") from None


async def delete_recording(client: Client, recording_sid: str) -> bool:
    """Delete recording ``recording_sid`` at Twilio: True if deleted, False if already gone.

    Other failures raise ProviderError as ``channels.twilio_errors`` maps them: throttling,
    server errors and network failures are retryable (deleting again is harmless).
    """
    with mapped_errors():
        try:
            await client.recordings(recording_sid).delete_async()
        except TwilioRestException as exc:
            if exc.status == 404:
                return False
            raise
    return True


def _media_url(recording_url: str, api_base_url: str) -> yarl.URL:
    """The URL to download, or RecordingGone when ``recording_url`` is not a recording on the
    API host (credentials must never go anywhere else)."""
    try:
        url = yarl.URL(recording_url)
        base = yarl.URL(api_base_url)
        same_origin = url.absolute and (url.scheme, url.host, url.port) == (
            base.scheme,
            base.host,
            base.port,
        )
    except (TypeError, ValueError):
        raise RecordingGone("not a URL") from None
    if not same_origin or url.scheme not in ("http", "https"):
        raise RecordingGone("not on the Twilio API host")
    prefix = base.raw_path.rstrip("/")
    path = url.raw_path
    match = _RECORDING_PATH.fullmatch(path[len(prefix) :]) if path.startswith(prefix) else None
    if match is None or url.user or url.password or url.raw_query_string or url.raw_fragment:
        raise RecordingGone("not a Twilio recording URL")
    if match["ext"]:
        return url
    return url.with_path(path + _DEFAULT_EXTENSION, encoded=True)


async def _refusal(response: aiohttp.ClientResponse) -> Exception:
    """The exception for a non-200 answer, classified as ``channels.twilio_errors`` does:
    throttling and server errors pass, everything else is final."""
    code = await _error_code(response)
    detail = f"HTTP {response.status}" + (f" (Twilio {code})" if code is not None else "")
    if transient(response.status):
        return RecordingFetchError(detail)
    return RecordingGone(detail)


async def _error_code(response: aiohttp.ClientResponse) -> int | None:
    """Twilio's error code from a JSON error answer, if it is one."""
    if response.content_type != "application/json":
        return None
    try:
        payload = json.loads(await response.content.read(_ERROR_BODY_BYTES))
    except ValueError:  # not JSON, or longer than any error Twilio sends
        return None
    code = payload.get("code") if isinstance(payload, dict) else None
    return code if isinstance(code, int) else None
