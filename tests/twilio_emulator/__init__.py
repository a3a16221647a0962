"""A local Twilio emulator for tests and benchmarks: Messages, Calls and Recordings REST APIs,
signed webhooks.

It serves the Messages endpoints the ``twilio`` SDK calls (create, fetch, list), the Calls
endpoints (create, fetch, list, update) and the Recordings ones (fetch, delete, and the audio as
WAV or MP3) under ``/2010-04-01/Accounts/{AccountSid}/``, checks HTTP basic auth (account SID +
auth token) the way Twilio does, answers with Twilio-shaped JSON, records every request, can be
told to fail the next N requests with a Twilio error (``fail_next``; recording downloads apart:
``fail_next_media``, ``stall_next_media``), and sends status callbacks, inbound-SMS webhooks and
voice webhooks signed exactly as Twilio signs them
(``channels.twilio_signature.compute_signature`` over the *public* URL).

Voice: acting as Twilio's media side
------------------------------------
``start_inbound_call`` (the debtor dials Parley) and ``answer_call`` (a call created through the
REST API is picked up) post Twilio's voice webhook and return a ``VoiceStep``: the TwiML the app
answered with, parsed, plus methods that continue the call the way Twilio would (``press``,
``speak``, ``silence``, ``follow_redirect``, ``finish_recording``, ``finish_dial``).
``ring_call``/``end_call`` post the call-progress status callbacks the call subscribed to.
``finish_recording(audio=...)`` stores the WAV file the caller "said" under a new RecordingSid
(``emulator.recordings``), served at the ``RecordingUrl`` it posts; ``add_recording`` stores one
without a call.

Twilio only ever talks to the *public* URL (``PARLEY_PUBLIC_URL``), while in a test the gateway
listens on a local port: ``route_public(public_base, local_base)`` says where a public URL really
lives (see ``webhooks``).

Modules: ``emulator`` (``TwilioEmulator``, the object tests hold), ``rest`` (auth, request log,
injected failures), ``messages`` (Messages API and SMS webhooks), ``calls_api`` (Calls API),
``call_resource`` (the Call resource), ``voice`` (ringing, answering, hanging up, call-progress
callbacks), ``voice_step`` (executing TwiML), ``recordings`` (the Recordings API and the audio),
``webhooks`` (signing and sending), ``formats`` (Twilio's wire formats). The behaviour taken from
Twilio's docs and the SDK's generated docstrings (not guessed) is listed in the module that
implements it.

Pointing the real SDK at it (``PARLEY_TWILIO_BASE_URL``)
--------------------------------------------------------
The SDK has no constructor argument for the API host. Each product is a ``Domain`` whose
``base_url`` attribute (``"https://api.twilio.com"`` for ``client.api``) is read on every request
by ``Domain.absolute_url``; Messages, Calls and Recordings all live under ``client.api.v2010``.
So::

    client = Client(account_sid, auth_token, http_client=AsyncTwilioHttpClient())
    client.api.base_url = settings.twilio_base_url   # e.g. http://127.0.0.1:41234

is all it takes (``client.messages`` is ``client.api.v2010.account.messages``). Two caveats found
in the 9.13 source: ``ClientBase.get_hostname`` rewrites the host when an edge or region is set
(including from ``TWILIO_EDGE``/``TWILIO_REGION`` in the environment), which would mangle
``127.0.0.1``, so an overridden client must have ``edge``/``region`` cleared; and
``AsyncTwilioHttpClient`` opens its aiohttp session in its constructor, so build it inside the
running event loop and ``await http_client.close()`` when done. Twilio's own suggestion (a custom
HTTP client that rewrites the URL, twilio/twilio-python#521) also works but is more code for the
same effect. ``channels.twilio_http.build_client`` does it the ``base_url`` way, and the tests
use it too, so they drive the very client the gateway uses.
"""

from .call_resource import TERMINAL_CALL_STATUSES
from .emulator import TwilioEmulator
from .formats import (
    API_VERSION,
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    ERROR_MESSAGES,
    twilio_error,
)
from .rest import RecordedRequest
from .voice import ANSWERED_BY
from .voice_step import TwimlError, VoiceStep
from .webhooks import SentWebhook

__all__ = [
    "ANSWERED_BY",
    "API_VERSION",
    "DEFAULT_ACCOUNT_SID",
    "DEFAULT_AUTH_TOKEN",
    "ERROR_MESSAGES",
    "TERMINAL_CALL_STATUSES",
    "RecordedRequest",
    "SentWebhook",
    "TwilioEmulator",
    "TwimlError",
    "VoiceStep",
    "twilio_error",
]
