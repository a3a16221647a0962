"""The run's processes: the stack as ``bench.bot_turns`` starts it, and the gateway's own."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from redis.asyncio import Redis

from bench.bot_turns import ROOT
from bench.databases import database
from bench.progress import log
from gateway.assistant.training import ensure_model

if str(ROOT / "tests") not in sys.path:  # the test helpers, as pytest and bench.bot_turns see them
    sys.path.insert(0, str(ROOT / "tests"))

from stack import BotStack, repo_settings
from twilio_fixtures import ThreadedEmulator


@contextlib.asynccontextmanager
async def running_stack(
    args: argparse.Namespace, settings: dict[str, str] | None = None
) -> AsyncIterator[BotStack]:
    """The stack as ``bench.bot_turns`` starts it, on a fresh database, with ``PARLEY_*``
    ``settings`` for its processes; stopped on the way out (Ctrl-C and SIGTERM included), the
    Redis db flushed."""
    log("training or finding the model ...")
    model = ensure_model(repo_settings(), ROOT, progress=log)
    twilio = ThreadedEmulator()  # BotStack needs a Twilio; the console provider never calls it
    twilio.start()
    try:
        async with database(args.database, args.postgres_url) as url:
            with tempfile.TemporaryDirectory(prefix="parley-portal-bench-") as tmp:
                stack = BotStack(
                    Path(tmp),
                    model,
                    redis_url=args.redis_url,
                    extra_env=settings or {},
                    twilio=twilio,
                    database_url=url,
                )
                log(f"starting the stack on {args.database} (Rasa loads in about a minute) ...")
                # Shielded: on Ctrl-C the start-up thread is waited for, then stopped again.
                starting = asyncio.ensure_future(asyncio.to_thread(stack.start))
                try:
                    await asyncio.shield(starting)
                    yield stack
                finally:
                    stack.stop()
                    if not starting.done():
                        with contextlib.suppress(Exception):
                            await starting
                        stack.stop()
                    if args.logs is not None:
                        shutil.copytree(stack.log_dir, args.logs, dirs_exist_ok=True)
                    redis = Redis.from_url(args.redis_url)
                    with contextlib.suppress(Exception):
                        await redis.flushdb()
                    await redis.aclose()
    finally:
        twilio.stop()


def gateway_pid(gateway_url: str) -> int:
    """The ``parley serve`` child of this process listening on the gateway's port."""
    port = f"PARLEY_PORT={gateway_url.rsplit(':', 1)[1]}".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                argv = (entry / "cmdline").read_bytes().split(b"\0")
                if (
                    b"gateway.cli.main" in argv
                    and b"serve" in argv
                    and port in (entry / "environ").read_bytes().split(b"\0")
                ):
                    return int(entry.name)
    raise RuntimeError("the gateway process was not found")
