"""SMS through Twilio in the benchmarks: the gateway's Twilio settings, and the inbound webhook.

The gateway (``bench._server twilio-gateway``, or ``parley serve`` in ``bench.agent_events``) is
set up with the account below; the benchmarks post what Twilio posts for a text from a debtor,
signed with the same auth token over the same public URL, so the signature check passes.
Nothing is ever sent: Twilio's REST API is not called on the inbound path.
"""

from __future__ import annotations

import secrets

from channels.twilio_signature import SIGNATURE_HEADER, compute_signature

TWILIO_ACCOUNT_SID = "AC" + "0" * 32
TWILIO_AUTH_TOKEN = "bench-twilio-auth-token"
PUBLIC_URL = "https://parley-bench.example"
PARLEY_NUMBER = "+13125550000"  # the gateway's own number: debtors text it
SMS_PATH = "/webhooks/twilio/sms"


def twilio_settings() -> dict[str, str]:
    """The gateway's settings (``load_settings`` names) for SMS through this Twilio account."""
    return {
        "provider_sms": "twilio",
        "twilio_account_sid": TWILIO_ACCOUNT_SID,
        "twilio_auth_token": TWILIO_AUTH_TOKEN,
        "twilio_from": PARLEY_NUMBER,
        # Never called, as nothing is sent; the base URL only has to be valid.
        "twilio_base_url": "http://127.0.0.1:9",
        # What Twilio signs: one public URL, whichever process or replica gets the webhook.
        "public_url": PUBLIC_URL,
    }


def inbound_sms(from_: str, body: str) -> tuple[dict[str, str], dict[str, str]]:
    """The form Twilio posts for a text from ``from_`` (a fresh MessageSid), and the headers
    with its ``X-Twilio-Signature`` over the public URL."""
    sid = "SM" + secrets.token_hex(16)
    form = {
        "AccountSid": TWILIO_ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "Body": body,
        "From": from_,
        "FromCountry": "US",
        "MessageSid": sid,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "SmsStatus": "received",
        "To": PARLEY_NUMBER,
        "ToCountry": "US",
    }
    signature = compute_signature(TWILIO_AUTH_TOKEN, PUBLIC_URL + SMS_PATH, form)
    return form, {SIGNATURE_HEADER: signature}
