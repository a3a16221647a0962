"""The ``parley`` command: run, serve, worker, transcribe, chat, bot train, db upgrade, audit,
policy, agent."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import Sequence

from gateway.cli import agents
from gateway.config import Settings, load_settings
from gateway.errors import ConfigError, ParleyError
from gateway.logs import configure_logging


def _serve(settings: Settings) -> int:
    from aiohttp import web

    from gateway.app import init_app

    if not settings.api_tokens:
        raise ConfigError("PARLEY_API_TOKENS is empty: set at least one bearer token")
    web.run_app(
        init_app(settings), host=settings.host, port=settings.port, print=None, access_log=None
    )
    return 0


def _worker(settings: Settings, queue: str) -> int:
    # Only the transcription worker imports the speech stack (and pays for its memory).
    if queue == "transcription":
        from gateway.worker.transcription import create_transcription_worker

        worker = create_transcription_worker(settings)
    else:
        from gateway.worker.service import create_worker

        worker = create_worker(settings)
    # arq's close() re-raises the cancellation of a job it stopped on SIGINT or SIGTERM (its
    # result was being stored); the job's in-progress key expires and it runs again, as every
    # job may, so the stop is clean.
    with contextlib.suppress(asyncio.CancelledError):
        worker.run()
    return 0


def _run(settings: Settings) -> int:
    from gateway.cli.launcher import run

    return run(settings)


def _bot_train(settings: Settings) -> int:
    from gateway.assistant import project_root
    from gateway.assistant.training import ensure_model

    model = ensure_model(
        settings, project_root(), progress=lambda line: print(f"parley: bot: {line}", flush=True)
    )
    print(model)
    return 0


def _db_upgrade(settings: Settings) -> int:
    from gateway.db.engine import create_engine
    from gateway.db.migrate import head_revision, upgrade

    async def main() -> None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(main())
    print(f"database is at migration {head_revision()}")
    return 0


def _audit_verify(settings: Settings) -> int:
    from gateway.db.engine import create_engine, reading
    from gateway.records.audit import verify

    async def main() -> int:
        engine = create_engine(settings.database_url)
        try:
            async with reading(engine) as conn:
                report = await verify(conn)
        finally:
            await engine.dispose()
        if report.ok:
            print(f"OK: {report.rows} audit rows in {report.chains} chains verified")
            return 0
        for b in report.breaks:
            print(f"BROKEN: chain {b.chain_key} at seq {b.seq} (row id {b.row_id}): {b.reason}")
        return 1

    return asyncio.run(main())


def _policy_explain(settings: Settings, outreach_id: str, as_json: bool) -> int:
    from gateway.cli.explain import explain, render
    from gateway.db.engine import create_engine, reading

    async def main() -> int:
        engine = create_engine(settings.database_url)
        try:
            async with reading(engine) as conn:
                explained = await explain(conn, outreach_id)
        finally:
            await engine.dispose()
        if as_json:
            print(
                json.dumps(
                    [
                        e.payload
                        | {"rerun": e.rerun, "reproduced": e.reproduced, "states": list(e.states)}
                        for e in explained
                    ],
                    indent=2,
                )
            )
        else:
            print(render(outreach_id, explained))
        return 0 if all(e.reproduced for e in explained) else 1

    return asyncio.run(main())


def _chat(settings: Settings, account_ref: str, channel: str) -> int:
    from aiohttp import ClientResponseError

    from gateway.cli.chat_client import chat
    from gateway.cli.launcher import DEV_TOKEN

    tokens = settings.api_tokens
    token = tokens[0].get_secret_value() if tokens else DEV_TOKEN
    base_url = f"http://{settings.host}:{settings.port}"
    try:
        return asyncio.run(chat(base_url, token, account_ref, channel))
    except OSError as exc:
        raise ConfigError(
            f"cannot reach Parley at {base_url} ({exc}); is `parley run` up?"
        ) from None
    except ClientResponseError as exc:
        raise ConfigError(f"Parley answered {exc.status} {exc.message}") from None


COMMANDS = {
    "run": (_run, "start gateway, workers and the bot on embedded defaults (development)"),
    "serve": (_serve, "run the HTTP gateway"),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``parley`` command."""
    parser = argparse.ArgumentParser(prog="parley", description="Parley communication gateway")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, text) in COMMANDS.items():
        sub.add_parser(name, help=text)
    worker = sub.add_parser("worker", help="run an arq worker")
    worker.add_argument(
        "--queue",
        choices=("default", "transcription"),
        default="default",
        help="sends, bot turns and deliveries (default), or recordings to transcribe",
    )
    transcribe = sub.add_parser(
        "transcribe", help="transcribe audio files (redacted) and show what they say"
    )
    transcribe.add_argument("files", nargs="+", metavar="FILE")
    transcribe.add_argument(
        "--no-rasa", action="store_true", help="do not ask the running assistant for intents"
    )
    bot = sub.add_parser("bot", help="the Rasa assistant").add_subparsers(
        dest="action", required=True
    )
    bot.add_parser("train", help="train the model unless it is up to date; print its path")
    chat = sub.add_parser("chat", help="talk to the assistant as a debtor (needs `parley run`)")
    chat.add_argument("--account", required=True, help="the account ref to be the debtor of")
    chat.add_argument("--channel", choices=("sms", "email"), default="sms")
    db = sub.add_parser("db", help="database schema").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="apply every migration")
    audit = sub.add_parser("audit", help="the audit trail").add_subparsers(
        dest="action", required=True
    )
    audit.add_parser("verify", help="recompute every hash chain")
    policy = sub.add_parser("policy", help="policy decisions").add_subparsers(
        dest="action", required=True
    )
    explain = policy.add_parser("explain", help="why an outreach was decided, re-run on its facts")
    explain.add_argument("outreach_id")
    explain.add_argument("--json", action="store_true", help="machine-readable output")
    agents.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``parley`` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.log_level)
        if args.command == "bot":
            return _bot_train(settings)
        if args.command == "chat":
            return _chat(settings, args.account, args.channel)
        if args.command == "db":
            return _db_upgrade(settings)
        if args.command == "audit":
            return _audit_verify(settings)
        if args.command == "agent":
            return agents.run(settings, args)
        if args.command == "policy":
            return _policy_explain(settings, args.outreach_id, args.json)
        if args.command == "worker":
            return _worker(settings, args.queue)
        if args.command == "transcribe":
            from gateway.cli.transcribe import run as transcribe

            return transcribe(settings, args.files, use_rasa=not args.no_rasa)
        return COMMANDS[args.command][0](settings)
    except ParleyError as exc:
        print(f"parley: error: {exc.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
