"""``parley run``: gateway, worker and the bot on embedded defaults, one command, clean Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import FrameType

from gateway.assistant import project_root
from gateway.assistant.processes import BotProcesses, actions_url, start_bot
from gateway.assistant.training import ensure_model
from gateway.cli.embedded_redis import LOCAL_REDIS, EmbeddedRedis, redis_answers
from gateway.config import Settings
from gateway.db.migrate import upgrade_database
from gateway.errors import ParleyError

DEV_TOKEN = "parley-dev-token"  # noqa: S105 - printed for local use; serve alone has no default
READY_TIMEOUT = 60.0


def resolve_redis(settings: Settings) -> tuple[str, EmbeddedRedis | None]:
    """PARLEY_REDIS_URL, else a Redis on 127.0.0.1:6379, else an embedded one under var/."""
    if settings.redis_url:
        return settings.redis_url, None
    if redis_answers(*LOCAL_REDIS):
        return f"redis://{LOCAL_REDIS[0]}:{LOCAL_REDIS[1]}/0", None
    embedded = EmbeddedRedis(settings.var_dir / "redis")
    embedded.start()
    return embedded.url, embedded


def _wait_ready(url: str, children: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            raise RuntimeError("a Parley process exited during start-up (see its output above)")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - our own URL
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"Parley did not become ready within {READY_TIMEOUT:.0f} s ({url})")


def run(settings: Settings) -> int:
    """Start everything, print where it is, and stop everything on Ctrl-C."""
    env = dict(os.environ)
    token = env.get("PARLEY_API_TOKENS") or DEV_TOKEN
    env["PARLEY_API_TOKENS"] = token
    redis_url, embedded = resolve_redis(settings)
    env["PARLEY_REDIS_URL"] = redis_url
    children: list[subprocess.Popen[bytes]] = []
    bot: BotProcesses | None = None
    model: Path | None = None

    def stop(_signum: int = 0, _frame: FrameType | None = None) -> None:
        raise KeyboardInterrupt

    # Explicit handlers: a shell starts background jobs with SIGINT ignored, and Python then
    # leaves it ignored, so Ctrl-C (or kill -INT) would do nothing.
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        print(f"parley: applying migrations to {settings.database_url}", flush=True)
        asyncio.run(upgrade_database(settings.database_url))
        base = f"http://{settings.host}:{settings.port}"
        if settings.bot_start:
            model = ensure_model(settings, project_root(), progress=_bot_progress)
            bot = start_bot(settings, model, gateway_url=base, log_dir=settings.var_dir / "logs")
        for command in (["serve"], ["worker"], ["worker", "--queue", "transcription"]):
            children.append(
                subprocess.Popen([sys.executable, "-m", "gateway.cli.main", *command], env=env)  # noqa: S603
            )
        _wait_ready(f"{base}/readyz", children)
        if bot is not None:
            _bot_progress(f"starting Rasa (about a minute); logs in {settings.var_dir / 'logs'}")
            bot.wait_ready()
        print(
            f"parley: API      {base}/v1  (Authorization: Bearer {token.split(',')[0]})\n"
            f"parley: OpenAPI  {base}/v1/openapi.json\n"
            f"parley: metrics  {base}/metrics\n"
            f"parley: Redis    {redis_url}{' (embedded)' if embedded else ''}\n"
            f"parley: database {settings.database_url}\n"
            f"{_bot_lines(settings, model)}"
            "parley: ready — press Ctrl-C to stop",
            flush=True,
        )
        while all(child.poll() is None for child in children) and (bot is None or bot.running()):
            time.sleep(0.5)
        print("parley: a process exited; stopping", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("\nparley: stopping", flush=True)
        return 0
    except RuntimeError as exc:
        print(f"parley: error: {exc}", file=sys.stderr, flush=True)
        return 1
    except ParleyError as exc:
        print(f"parley: error: {exc.message}", file=sys.stderr, flush=True)
        return 1
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        if bot is not None:
            bot.stop()  # meanwhile the gateway and worker shut down
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        if embedded is not None:
            embedded.stop()
        print("parley: stopped", flush=True)


def _bot_progress(line: str) -> None:
    print(f"parley: bot: {line}", flush=True)


def _bot_lines(settings: Settings, model: Path | None) -> str:
    if model is None:
        return "parley: Rasa     not started (PARLEY_BOT_START=false)\n"
    rasa = str(settings.rasa_url).rstrip("/")
    return f"parley: Rasa     {rasa}  (model {model})\nparley: actions  {actions_url(settings)}\n"
