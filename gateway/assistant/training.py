"""The Rasa model: trained on first use, cached in ``var/models/`` by a digest of its inputs."""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from gateway.assistant import rasa_environment, rasa_executable
from gateway.config import Settings
from gateway.errors import BotError, ConfigError

Progress = Callable[[str], None]

CONFIG = Path("bot/config.yml")
DOMAIN = Path("bot/domain.yml")
DATA = Path("nlu_data")
LOCK = Path("bot/requirements.lock")
LOCK_FILE = ".train.lock"
TRAIN_LOG = "bot-train.log"
KEEP_MODELS = 3
# DIET and TED print a progress bar update per epoch (every ~2 s); one line per 10 s is plenty.
EPOCH_REPORT_SECONDS = 10.0
TAIL_LINES = 30

_RASA_PIN = re.compile(r"^rasa==(\S+)", re.MULTILINE)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+(?P<level>[A-Z]+)\s+(?P<logger>\S+)\s+-\s+(?P<message>.*)$"
)
_COMPONENT = re.compile(r"Starting to train component '(?P<name>[^']+)'")
_EPOCHS = re.compile(r"^Epochs:\s+\d+%\|.*?\|\s*(?P<done>\d+)/(?P<total>\d+)")
_PROGRESS_BAR = re.compile(r"\d+%\||it/s\]|s/it\]")


def data_files(root: Path) -> list[Path]:
    """The training data under ``nlu_data/``, relative to ``root``, sorted.

    Test stories (``test_*.yml``, anything under ``nlu_data/tests/``) are left out. Rasa would
    read them as end-to-end training stories if given the whole folder, so training is given
    exactly these files, and the digest covers exactly what training reads.
    """
    found = []
    for path in (root / DATA).rglob("*"):
        relative = path.relative_to(root / DATA)
        if (
            path.suffix in (".yml", ".yaml")
            and path.is_file()
            and relative.parts[0] != "tests"
            and not path.name.startswith("test_")
        ):
            found.append(path.relative_to(root))
    return sorted(found)


def rasa_version(root: Path) -> str:
    """The Rasa version pinned in ``bot/requirements.lock``."""
    try:
        pinned = _RASA_PIN.search((root / LOCK).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {root / LOCK}: {exc.strerror}") from None
    if pinned is None:
        raise ConfigError(f"{root / LOCK} pins no rasa==<version>")
    return pinned.group(1)


def inputs_digest(root: Path) -> str:
    """sha256 over everything training reads: config, domain, training data, Rasa version."""
    digest = hashlib.sha256(f"rasa=={rasa_version(root)}\0".encode())
    for relative in [CONFIG, DOMAIN, *data_files(root)]:
        try:
            content = (root / relative).read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read {root / relative}: {exc.strerror}") from None
        # Path and content hash, NUL-separated: no two different trees give the same stream.
        digest.update(relative.as_posix().encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()


def model_path(var_dir: Path, digest: str) -> Path:
    """Where the model trained from inputs with this digest is kept."""
    return var_dir / "models" / f"{digest[:16]}.tar.gz"


def ensure_model(settings: Settings, root: Path, *, progress: Progress) -> Path:
    """The model for the project at ``root``: the cached one, else trained now (minutes).

    ``progress`` receives one human-readable line per phase while training. Concurrent callers
    (``parley run`` and a test session, say) train one at a time under a file lock, and whoever
    waited uses the model the other one trained.
    """
    target = model_path(settings.var_dir, inputs_digest(root))
    if _reuse(target, progress):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _train_lock(target.parent, progress):
        if _reuse(target, progress):
            return target
        _train(rasa_executable(settings, root), root, target, settings.var_dir / "logs", progress)
        _prune(target.parent, keep=target)
    return target


def _reuse(target: Path, progress: Progress) -> bool:
    if not target.is_file():
        return False
    os.utime(target)  # pruning keeps the most recently used models
    progress(f"using the trained model {target}")
    return True


@contextmanager
def _train_lock(models_dir: Path, progress: Progress) -> Iterator[None]:
    with (models_dir / LOCK_FILE).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress("another process is training a model; waiting for it to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield  # closing the file releases the lock


def _train(rasa: Path, root: Path, target: Path, log_dir: Path, progress: Progress) -> None:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / TRAIN_LOG
    # Rasa writes into a private folder next to the target; the finished archive is then
    # renamed into place, so nobody ever sees a half-written model. Absolute: rasa runs in root.
    workdir = Path(tempfile.mkdtemp(prefix=".train-", dir=target.parent)).resolve()
    name = target.name.removesuffix(".tar.gz")
    command = [
        str(rasa),
        "train",
        *("--data", *map(str, data_files(root))),
        *("--config", str(CONFIG), "--domain", str(DOMAIN)),
        *("--out", str(workdir), "--fixed-model-name", name),
    ]
    progress(f"training the model (up to about 4 minutes on 2 cores); full output in {log_path}")
    report = _Report(progress)
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    try:
        with (
            log_path.open("w", encoding="utf-8") as log,
            subprocess.Popen(  # noqa: S603 - the bot venv's rasa, fixed arguments
                command,
                cwd=root,
                env=rasa_environment(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,  # universal newlines: each progress-bar redraw (\r) is a line too
                errors="replace",
                start_new_session=True,  # stopped by us, not by the terminal's Ctrl-C
            ) as process,
        ):
            try:
                assert process.stdout is not None
                for raw in process.stdout:
                    line = _ANSI.sub("", raw).rstrip()
                    log.write(line + "\n")
                    if line and not _PROGRESS_BAR.search(line):
                        tail.append(line)
                    report.line(line)
            except BaseException:  # interrupted (Ctrl-C): rasa must not train on behind our back
                os.killpg(process.pid, signal.SIGKILL)
                raise
        returncode = process.wait()
        produced = workdir / target.name
        if returncode != 0 or not produced.is_file():
            raise BotError(
                f"rasa train failed (exit code {returncode}); the last lines of {log_path}:\n"
                + "\n".join(tail)
            )
        os.replace(produced, target)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    progress(f"trained in {report.elapsed():.0f} s: {target}")


class _Report:
    """Turns rasa's output into a few progress lines: phases, components, epochs now and then."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._started = time.monotonic()
        self._last_epoch_report = 0.0
        self._last_epoch = ""
        self._component = "training"

    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def line(self, line: str) -> None:
        if logged := _LOG_LINE.match(line):
            message = logged["message"]
            if component := _COMPONENT.search(message):
                self._component = component["name"]
            level = "" if logged["level"] == "INFO" else f"{logged['level']}: "
            self._say(level + message)
        elif epochs := _EPOCHS.match(line):
            now = time.monotonic()
            done, total = epochs["done"], epochs["total"]
            epoch = f"{self._component}: epoch {done}/{total}"
            # The bar redraws the same epoch several times (e.g. with the loss); say each once.
            due = done == total or now - self._last_epoch_report >= EPOCH_REPORT_SECONDS
            if due and epoch != self._last_epoch:
                self._last_epoch_report, self._last_epoch = now, epoch
                self._say(epoch)

    def _say(self, message: str) -> None:
        self._progress(f"{message} ({self.elapsed():.0f} s)")


def _prune(models_dir: Path, keep: Path) -> None:
    """Keep the newest few models, and drop work folders that a killed training left behind."""
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in models[KEEP_MODELS:]:
        if old != keep:
            old.unlink(missing_ok=True)
    # We hold the lock, so no other training is writing into any of these.
    for stale in models_dir.glob(".train-*"):
        shutil.rmtree(stale, ignore_errors=True)
