"""A server process for the intake benchmark: the real gateway, or the bare aiohttp baseline.

    python -m bench._server gateway --database-url URL --redis-url URL --var-dir DIR --port N
    python -m bench._server baseline --port N
    python -m bench._server twilio-gateway|sms-baseline ...   (bench.twilio_inbound)
    python -m bench._server sendgrid-gateway --sendgrid-public-key KEY ... | events-baseline
                                                              (bench.sendgrid_events)
    python -m bench._server sendgrid-emulator --port N        (bench.sendgrid_send)

The gateway is built exactly like ``parley serve`` builds it (``init_app`` + ``web.run_app``,
no access log); the baseline has the same routes (the two intake routes and the policy dry
run), parses the JSON body and answers with a small JSON document (202 for intake, 200 for
the dry run, as the gateway does), so the difference between the two is the gateway's own work.
The SendGrid emulator (``tests/sendgrid_emulator``'s Mail Send) runs here too, so that it has a
core and an event loop of its own rather than sharing the load generator's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from aiohttp import web

from bench.sendgrid_events.webhook import EVENTS_PATH, sendgrid_settings
from bench.twilio_sms import SMS_PATH, twilio_settings
from gateway.app import MAX_BODY_BYTES

TOKEN = "bench-token"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


async def _baseline_single(request: web.Request) -> web.Response:
    document = await request.json()
    return web.json_response(
        {"id": f"out_{uuid.uuid4().hex}", "status": "queued", "keys": len(document)}, status=202
    )


async def _baseline_batch(request: web.Request) -> web.Response:
    document = await request.json()
    return web.json_response({"status": "accepted", "items": len(document["items"])}, status=202)


async def _baseline_evaluate(request: web.Request) -> web.Response:
    document = await request.json()
    return web.json_response(
        {"outcome": "allow", "not_before": None, "reasons": [], "keys": len(document)}
    )


def baseline_app() -> web.Application:
    """The bare handler: same routes and body limit, JSON parsed, a small JSON answer."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_post("/v1/outreach", _baseline_single)
    app.router.add_post("/v1/outreach/batch", _baseline_batch)
    app.router.add_post("/v1/policy/evaluate", _baseline_evaluate)
    return app


async def _baseline_sms(request: web.Request) -> web.Response:
    form = await request.post()
    assert form.get("MessageSid")
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


def sms_baseline_app() -> web.Application:
    """The bare handler for Twilio's inbound SMS webhook: parse the form, answer empty TwiML."""
    app = web.Application()
    app.router.add_post(SMS_PATH, _baseline_sms)
    return app


async def _baseline_events(request: web.Request) -> web.Response:
    events = json.loads(await request.read())
    return web.json_response({"events": len(events)})


def events_baseline_app() -> web.Application:
    """The bare handler for SendGrid's Event Webhook: read the body, parse the JSON, answer 200."""
    app = web.Application()
    app.router.add_post(EVENTS_PATH, _baseline_events)
    return app


def sendgrid_emulator_app() -> web.Application:
    """SendGrid's Mail Send as ``tests/sendgrid_emulator`` serves it (auth, validation, 202 with
    an ``X-Message-Id``); ``POST /bench/drain`` answers how many mails it accepted since the last
    drain and forgets them (so memory stays flat over a long run)."""
    sys.path.append(str(Path(__file__).resolve().parent.parent / "tests"))
    from sendgrid_emulator.formats import DEFAULT_API_KEY
    from sendgrid_emulator.mail import SentMail
    from sendgrid_emulator.mail_send import MailSend, RecordedRequest

    sent: list[SentMail] = []
    requests: list[RecordedRequest] = []

    async def drain(_request: web.Request) -> web.Response:
        accepted, refused = len(sent), sum(1 for r in requests if r.status != 202)
        sent.clear()
        requests.clear()
        return web.json_response({"accepted": accepted, "refused": refused})

    app = web.Application()
    MailSend(DEFAULT_API_KEY, sent, requests).add_routes(app.router)
    app.router.add_post("/bench/drain", drain)
    return app


def gateway_app(args: argparse.Namespace) -> web.Application:
    """The real gateway from its app factory, as ``parley serve`` runs it."""
    for name in [n for n in os.environ if n.startswith("PARLEY_")]:
        del os.environ[name]  # only the settings below count
    from gateway.app import init_app
    from gateway.config import load_settings
    from gateway.logs import configure_logging

    configure_logging("WARNING")
    settings = load_settings(
        database_url=args.database_url,
        redis_url=args.redis_url,
        api_tokens=TOKEN,
        var_dir=args.var_dir,
        console_echo=False,
        host="127.0.0.1",
        port=args.port,
        **_provider_settings(args),
    )
    return init_app(settings)


def _provider_settings(args: argparse.Namespace) -> dict[str, Any]:
    if args.kind == "twilio-gateway":
        return dict(twilio_settings())
    if args.kind == "sendgrid-gateway":
        return sendgrid_settings(args.sendgrid_public_key)
    return {}


def main() -> None:
    """Serve the app named on the command line until SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m bench._server")
    parser.add_argument(
        "kind",
        choices=[
            "gateway",
            "baseline",
            "twilio-gateway",
            "sms-baseline",
            "sendgrid-gateway",
            "events-baseline",
            "sendgrid-emulator",
        ],
    )
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--var-dir")
    parser.add_argument("--sendgrid-public-key", help="the Event Webhook's verification key")
    args = parser.parse_args()
    apps = {
        "baseline": baseline_app,
        "sms-baseline": sms_baseline_app,
        "events-baseline": events_baseline_app,
        "sendgrid-emulator": sendgrid_emulator_app,
    }
    app = apps[args.kind]() if args.kind in apps else gateway_app(args)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
