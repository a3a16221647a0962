"""A local SendGrid emulator for tests: the v3 Mail Send API and SendGrid's signed webhooks.

It serves ``POST /v3/mail/send`` the way SendGrid does (bearer auth, the 30 MB limit, 400s that
name the field, 202 with an ``X-Message-Id``), records every request and every accepted mail, and
can be told to fail the next sends, to accept a mail and drop the connection, or to accept it and
answer late. It builds and posts what SendGrid sends to the customer: Event Webhook batches signed
with ECDSA P-256 (``public_key_b64`` is the verification key SendGrid shows), and Inbound Parse
posts (multipart/form-data in the mail's charset, optionally with HTTP basic auth and signed with
a second key).

Modules: ``emulator`` (``SendGridEmulator``, the object tests hold), ``mail_send`` (the endpoint,
its request log and injected failures), ``validation`` (the 400s), ``mail`` (``SentMail``),
``events`` (event payloads and batches), ``inbound`` (Inbound Parse bodies), ``signing`` (the
signature headers), ``webhooks`` (posting), ``formats`` (ids, limits, error bodies).

The gateway points its SendGrid client at ``base_url`` (``PARLEY_SENDGRID_BASE_URL``) and posts
to ``f"{base_url}/v3/mail/send"`` with ``Authorization: Bearer <api_key>``.
"""

from .emulator import SendGridEmulator
from .events import EVENT_KINDS
from .formats import DEFAULT_API_KEY, MAIL_SEND_PATH, MAX_BODY_BYTES
from .inbound import inbound_form
from .mail import SentMail
from .mail_send import RecordedRequest
from .signing import SIGNATURE_HEADER, TIMESTAMP_HEADER
from .validation import RESERVED_HEADERS
from .webhooks import SentWebhook

__all__ = [
    "DEFAULT_API_KEY",
    "EVENT_KINDS",
    "MAIL_SEND_PATH",
    "MAX_BODY_BYTES",
    "RESERVED_HEADERS",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "RecordedRequest",
    "SendGridEmulator",
    "SentMail",
    "SentWebhook",
    "inbound_form",
]
