"""The model cache: what the digest covers, where models go, and the training lock."""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path

import pytest

from gateway.assistant.training import (
    LOCK_FILE,
    data_files,
    ensure_model,
    inputs_digest,
    model_path,
)
from gateway.config import load_settings
from gateway.errors import ConfigError

TREE = {
    "bot/config.yml": "language: en\npipeline: []\n",
    "bot/domain.yml": 'version: "3.1"\nintents: [greet]\n',
    "bot/requirements.lock": "rasa==3.6.21 \\\n    --hash=sha256:00\nrasa-sdk==3.6.2 \\\n",
    "bot/actions/__init__.py": "",
    "bot/tests/nlu_holdout.yml": "nlu: []\n",
    "nlu_data/nlu.yml": "nlu:\n- intent: greet\n  examples: |\n    - hi\n",
    "nlu_data/rules.yml": "rules: []\n",
    "nlu_data/extra/lookups.yaml": "nlu: []\n",
    "nlu_data/README.md": "training data\n",
    "nlu_data/test_stories.yml": "stories: []\n",
    "nlu_data/tests/conversations.yml": "stories: []\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A tiny project tree shaped like the repository's."""
    root = tmp_path / "project"
    for relative, text in TREE.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


@pytest.mark.parametrize(
    ("relative", "changes_model"),
    [
        ("bot/config.yml", True),
        ("bot/domain.yml", True),
        ("nlu_data/nlu.yml", True),
        ("nlu_data/rules.yml", True),
        ("nlu_data/extra/lookups.yaml", True),
        ("nlu_data/test_stories.yml", False),
        ("nlu_data/tests/conversations.yml", False),
        ("nlu_data/README.md", False),
        ("bot/actions/__init__.py", False),
        ("bot/tests/nlu_holdout.yml", False),
    ],
)
def test_the_digest_follows_training_inputs_only(
    project: Path, relative: str, changes_model: bool
) -> None:
    before = inputs_digest(project)
    with (project / relative).open("a") as file:
        file.write("# edited\n")
    assert (inputs_digest(project) != before) is changes_model


def test_a_new_training_file_changes_the_digest(project: Path) -> None:
    before = inputs_digest(project)
    (project / "nlu_data" / "stories.yml").write_text("stories: []\n")
    assert inputs_digest(project) != before


def test_the_rasa_version_is_part_of_the_digest(project: Path) -> None:
    before = inputs_digest(project)
    lock = project / "bot" / "requirements.lock"
    lock.write_text(lock.read_text().replace("rasa==3.6.21", "rasa==3.6.20"))
    assert inputs_digest(project) != before
    lock.write_text("rasa-sdk==3.6.2\n")
    with pytest.raises(ConfigError, match="pins no rasa"):
        inputs_digest(project)


def test_training_is_given_exactly_the_digested_data_files(project: Path) -> None:
    assert data_files(project) == [
        Path("nlu_data/extra/lookups.yaml"),
        Path("nlu_data/nlu.yml"),
        Path("nlu_data/rules.yml"),
    ]


def test_a_missing_domain_is_a_config_error(project: Path) -> None:
    (project / "bot" / "domain.yml").unlink()
    with pytest.raises(ConfigError, match=r"domain\.yml"):
        inputs_digest(project)


def test_model_path_is_named_by_the_digest() -> None:
    digest = "0123456789abcdef" + "f" * 48
    assert model_path(Path("var"), digest) == Path("var/models/0123456789abcdef.tar.gz")


def test_a_cached_model_is_used_without_the_bot_venv(project: Path, tmp_path: Path) -> None:
    settings = load_settings(var_dir=tmp_path / "var", bot_venv=tmp_path / "no-venv")
    cached = model_path(settings.var_dir, inputs_digest(project))
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"model")
    lines: list[str] = []
    assert ensure_model(settings, project, progress=lines.append) == cached
    assert lines == [f"using the trained model {cached}"]


def test_without_the_bot_venv_training_asks_for_make_bot(project: Path, tmp_path: Path) -> None:
    settings = load_settings(var_dir=tmp_path / "var", bot_venv=tmp_path / "no-venv")
    with pytest.raises(ConfigError, match="run `make bot`"):
        ensure_model(settings, project, progress=lambda _line: None)


def test_a_caller_waits_for_the_training_in_progress_and_uses_its_model(
    project: Path, tmp_path: Path
) -> None:
    # No bot venv: if the waiting caller tried to train itself, it would fail.
    settings = load_settings(var_dir=tmp_path / "var", bot_venv=tmp_path / "no-venv")
    target = model_path(settings.var_dir, inputs_digest(project))
    target.parent.mkdir(parents=True)
    waiting = threading.Event()
    outcome: list[Path | BaseException] = []

    def progress(line: str) -> None:
        if "waiting" in line:
            waiting.set()

    def caller() -> None:
        try:
            outcome.append(ensure_model(settings, project, progress=progress))
        except BaseException as exc:
            outcome.append(exc)

    with (target.parent / LOCK_FILE).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process is training
        thread = threading.Thread(target=caller)
        thread.start()
        assert waiting.wait(timeout=10), outcome
        target.write_bytes(b"model")  # ... and finishes
    thread.join(timeout=10)
    assert outcome == [target]
