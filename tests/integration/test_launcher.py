"""``parley run``: the README's run command, end to end, and the embedded Redis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis
from helpers import EMAIL, account_body, outreach_body
from recording_helpers import tiny_wav

from gateway.cli import embedded_redis, launcher
from gateway.cli.embedded_redis import EmbeddedRedis, free_port, redis_answers
from gateway.config import load_settings

ZONES = [
    "Pacific/Honolulu",
    "America/Los_Angeles",
    "America/New_York",
    "Atlantic/Azores",
    "Europe/Moscow",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Pacific/Auckland",
]


def daytime_zone() -> str:
    """A zone where it is mid-day now, so the outreach is allowed at once."""
    now = datetime.now(UTC)
    return next(z for z in ZONES if 9 <= now.astimezone(ZoneInfo(z)).hour < 19)


def call(method: str, url: str, body: Any = None, **headers: str) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - http to 127.0.0.1 only
        url,
        data=data,
        method=method,
        headers={
            "Authorization": "Bearer parley-dev-token",
            "Content-Type": "application/json",
            **headers,
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def transcribe_through(base: str, account_ref: str, tmp_path: Path) -> str | None:
    """Post a recording by URL (served here, as a dialer would) and wait for its transcription;
    returns its last status."""
    audio = tmp_path / "audio"
    audio.mkdir()
    (audio / "call.wav").write_bytes(tiny_wav(seconds=1.0))

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(audio)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        body = {
            "account_ref": account_ref,
            "url": f"http://127.0.0.1:{server.server_address[1]}/call.wav",
            "recorded_at": "2026-03-10T20:30:00+00:00",
            "direction": "inbound",
            "external_id": "launcher-recording",
        }
        recording_id = call("POST", f"{base}/v1/recordings", body)["id"]
        deadline, status = time.monotonic() + 60, None
        while time.monotonic() < deadline and status not in {"transcribed", "failed"}:
            status = call("GET", f"{base}/v1/recordings/{recording_id}")["status"]
            time.sleep(0.2)
        return status
    finally:
        server.shutdown()
        server.server_close()


def ignore_sigint_in_new_group() -> None:
    """As a shell starts a background job; its own process group, so it can be killed whole."""
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_parley_run_serves_sends_and_stops_cleanly(tmp_path: Path, redis_url: str) -> None:
    with redis.Redis.from_url(redis_url) as client:
        client.flushdb()  # no jobs left behind by earlier tests for this worker to chew on
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    # The bot is covered by test_assistant_runtime.py; here it would train into tmp_path.
    env |= {"PARLEY_PORT": str(port), "PARLEY_REDIS_URL": redis_url, "PARLEY_BOT_START": "false"}
    # No ZIP code or phone says which state the debtor is in, so every state overlay applies:
    # California's asks for the license number on an email.
    env["PARLEY_COLLECTOR_CA_LICENSE"] = "10000-01"
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli.main", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # SIGINT ignored, as in a shell's background job: Ctrl-C must still stop it.
        preexec_fn=ignore_sigint_in_new_group,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if "parley: ready" in line or not line:
                break
        assert any("parley: ready" in line for line in lines), "".join(lines)
        assert any(f"http://127.0.0.1:{port}/v1" in line for line in lines)
        base = f"http://127.0.0.1:{port}"
        debtor = {"name": "Dana Debtor", "timezone": daytime_zone()}
        # Email only: a phone's area code would add its own zone to the quiet-hours check.
        # The debtor gave the address, in writing (New York City's overlay asks for that).
        contacts = [
            {
                "channel": "email",
                "address": EMAIL,
                "consent": True,
                "consent_source": "written",
                "provenance": "consumer_provided",
            }
        ]
        call("PUT", f"{base}/v1/accounts/L-1", account_body(debtor=debtor, contacts=contacts))
        accepted = call(
            "POST",
            f"{base}/v1/outreach",
            outreach_body(account_ref="L-1", channel="email"),
            **{"Idempotency-Key": "launcher-1"},
        )
        assert accepted["status"] == "queued", accepted
        deadline = time.monotonic() + 60
        status: str | None = None
        while time.monotonic() < deadline and status != "sent":
            status = call("GET", f"{base}/v1/outreach/{accepted['id']}")["status"]
            time.sleep(0.2)
        assert (tmp_path / "var" / "parley.db").exists()
        transcribed = transcribe_through(base, "L-1", tmp_path)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            # Never leave a launcher behind: its worker would take other tests' jobs.
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
    lines.append(output)
    assert status == "sent", "".join(lines)
    assert transcribed == "transcribed", "".join(lines)  # the transcription worker runs too
    assert process.returncode == 0, "".join(lines)
    assert "parley: stopped" in output
    assert "To stop receiving emails" in "".join(lines)  # the console provider printed it


def test_embedded_redis_keeps_its_data_under_var(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    try:
        with redis.Redis(port=server.port) as client:
            client.set("parley:test", "kept")
    finally:
        server.stop()
    assert not redis_answers("127.0.0.1", server.port)
    assert (tmp_path / "redis" / "dump.rdb").exists()
    again = EmbeddedRedis(tmp_path / "redis")
    again.start()
    try:
        with redis.Redis(port=again.port) as client:
            assert client.get("parley:test") == b"kept"
    finally:
        again.stop()


def test_without_any_redis_the_launcher_embeds_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedded_redis, "LOCAL_REDIS", ("127.0.0.1", free_port()))
    monkeypatch.setattr(launcher, "LOCAL_REDIS", embedded_redis.LOCAL_REDIS)
    url, server = launcher.resolve_redis(load_settings(var_dir=tmp_path / "var"))
    assert server is not None
    try:
        assert url == server.url
        assert redis_answers("127.0.0.1", server.port)
    finally:
        server.stop()
