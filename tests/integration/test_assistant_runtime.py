"""The assistant for real: training with the bot venv's Rasa, and `parley run` starting it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import redis
from stack import ROOT, WebhookReceiver, repo_settings

from gateway.assistant.training import ensure_model, inputs_digest, model_path
from gateway.cli.embedded_redis import free_port
from gateway.errors import BotError

TINY = {
    "bot/config.yml": """\
recipe: default.v1
assistant_id: tiny
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: DIETClassifier
    epochs: 5
    random_seed: 1
policies:
  - name: RulePolicy
""",
    "bot/domain.yml": """\
version: "3.1"
intents: [greet, goodbye, thank]
responses:
  utter_greet: [{text: "hello"}]
  utter_goodbye: [{text: "bye"}]
  utter_welcome: [{text: "you're welcome"}]
""",
    "nlu_data/nlu.yml": """\
version: "3.1"
nlu:
  - intent: greet
    examples: |
      - hi
      - hello
      - hey there
  - intent: goodbye
    examples: |
      - bye
      - goodbye
      - see you later
  - intent: thank
    examples: |
      - thanks
      - thank you
      - much appreciated
""",
    "nlu_data/rules.yml": """\
version: "3.1"
rules:
  - rule: greet
    steps: [{intent: greet}, {action: utter_greet}]
  - rule: goodbye
    steps: [{intent: goodbye}, {action: utter_goodbye}]
  - rule: thank
    steps: [{intent: thank}, {action: utter_welcome}]
""",
}


def tiny_project(root: Path) -> Path:
    """A project with three intents and 5 DIET epochs: trains in about 20 s."""
    for relative, text in TINY.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    shutil.copy(ROOT / "bot" / "requirements.lock", root / "bot" / "requirements.lock")
    return root


def post(url: str, body: Any) -> tuple[int, bytes]:
    request = urllib.request.Request(  # noqa: S310 - http to 127.0.0.1 only
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.status, response.read()


def get_status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        return int(response.status)


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def test_a_model_is_trained_once_and_then_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tiny_project(tmp_path / "project")
    # A relative var dir, as by default: relative to our cwd, though rasa runs in the project.
    monkeypatch.chdir(tmp_path)
    settings = repo_settings(var_dir=Path("var"))
    first: list[str] = []
    model = ensure_model(settings, project, progress=first.append)
    assert model == model_path(Path("var"), inputs_digest(project))
    assert model.is_file()
    assert any("Starting to train component 'DIETClassifier'" in line for line in first), first
    assert any("DIETClassifier: epoch 5/5" in line for line in first), first
    assert (tmp_path / "var" / "logs" / "bot-train.log").stat().st_size > 0
    # Only the model and the lock: rasa's work folder is gone.
    assert sorted(p.name for p in model.parent.iterdir()) == sorted([model.name, ".train.lock"])

    # Without a bot venv Rasa cannot even start: the model must come from the cache.
    again: list[str] = []
    no_venv = repo_settings(var_dir=Path("var"), bot_venv=tmp_path / "no-venv")
    assert ensure_model(no_venv, project, progress=again.append) == model
    assert again == [f"using the trained model {model}"]


def test_a_broken_training_file_fails_with_rasas_reason(tmp_path: Path) -> None:
    project = tiny_project(tmp_path / "project")
    (project / "nlu_data" / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n  - intent: greet\n    examples: [unclosed\n'
    )
    with pytest.raises(BotError) as failure:
        ensure_model(repo_settings(var_dir=tmp_path / "var"), project, progress=lambda _l: None)
    message = failure.value.message
    assert message.startswith("rasa train failed (exit code 1)"), message
    assert "YamlSyntaxException" in message, message
    assert "nlu.yml" in message, message
    assert not list((tmp_path / "var" / "models").glob("*.tar.gz"))
    assert not list((tmp_path / "var" / "models").glob(".train-*"))


def ignore_sigint_in_new_group() -> None:
    """As a shell starts a background job; its own process group, so it can be killed whole."""
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_parley_run_starts_rasa_and_the_action_server(
    tmp_path: Path, redis_url: str, bot_model: Path
) -> None:
    with redis.Redis.from_url(redis_url) as client:
        client.flushdb()  # no jobs left behind by earlier tests for this worker to chew on
    # The session's model, where `parley run` looks for it: in its var/models/, under the
    # digest of the training files as they are now (they may have been edited since the session
    # trained), so this test never trains.
    cached = model_path(tmp_path / "var", inputs_digest(ROOT))
    cached.parent.mkdir(parents=True)
    os.link(bot_model, cached)
    port, rasa_port, actions_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")} | {
        "PARLEY_PORT": str(port),
        "PARLEY_REDIS_URL": redis_url,
        "PARLEY_RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "PARLEY_ACTIONS_PORT": str(actions_port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli.main", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=ignore_sigint_in_new_group,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if "parley: ready" in line or not line:
                break
        output = "".join(lines)
        assert "parley: ready" in output, output
        assert f"parley: bot: using the trained model var/models/{cached.name}" in output
        assert f"parley: Rasa     http://127.0.0.1:{rasa_port}" in output
        status, replies = post(
            f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
            {"sender": "runtime-test", "message": "hello"},
        )
        assert status == 200, replies
        assert isinstance(json.loads(replies), list), replies
        assert get_status(f"http://127.0.0.1:{actions_port}/health") == 200
    finally:
        process.send_signal(signal.SIGINT)
        try:
            rest, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            rest, _ = process.communicate()
        lines.append(rest)
    output = "".join(lines)
    assert process.returncode == 0, output
    assert "parley: stopped" in output
    # The launcher waited for its bot processes to exit: nothing listens there any more.
    assert not listening(rasa_port)
    assert not listening(actions_port)


def test_the_webhook_receiver_records_each_post_before_answering() -> None:
    receiver = WebhookReceiver()
    try:
        assert post(receiver.url, {"kind": "promise_to_pay"}) == (200, b"")
        (request,) = receiver.received
    finally:
        receiver.close()
    assert request.path == "/core/updates"
    assert request.json() == {"kind": "promise_to_pay"}
    assert request.headers["Content-Type"] == "application/json"
