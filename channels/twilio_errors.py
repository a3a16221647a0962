"""Twilio's REST errors, as the ProviderError the worker understands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
from twilio.base.exceptions import TwilioRestException

from channels.base import Effect, ProviderError

# The recipient replied STOP at the carrier level (or was never subscribed).
OPTED_OUT_CODES = frozenset({21610})
# Not a valid number, or one that cannot receive SMS (landline) or calls; the 3000x codes
# arrive later, in a status callback (unknown handset, landline or unreachable carrier).
INVALID_CONTACT_CODES = frozenset({21211, 21214, 21217, 21401, 21407, 21614, 30005, 30006})


def effect_for(code: int | None) -> Effect | None:
    """What a Twilio error code says about the contact point, if anything."""
    if code in OPTED_OUT_CODES:
        return "opted_out"
    if code in INVALID_CONTACT_CODES:
        return "invalid_contact"
    return None


def provider_error(exc: TwilioRestException) -> ProviderError:
    """Map a Twilio error: throttling and server errors retry; the rest fail with Twilio's code."""
    code = str(exc.code) if exc.code is not None else f"http_{exc.status}"
    retryable = exc.status == 429 or exc.status >= 500
    message = str(exc.msg).removeprefix("Unable to create record: ")
    return ProviderError(code, message, retryable=retryable, effect=effect_for(exc.code))


@contextmanager
def mapped_errors() -> Iterator[None]:
    """Raise every failure of a Twilio request as a ProviderError.

    A broken connection or a timeout leaves the outcome unknown: Twilio may have accepted the
    request before the answer was lost, so the next try must reconcile rather than resend.
    """
    try:
        yield
    except TwilioRestException as exc:
        raise provider_error(exc) from exc
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise ProviderError(
            "network", type(exc).__name__, retryable=True, outcome_unknown=True
        ) from exc
