"""The Dockerfiles and .dockerignore, which cannot be built or run here (no Docker engine), get
static checks: what each build stage does, and that the build context holds what the Dockerfiles
copy and nothing of a developer's local state."""

from __future__ import annotations

import json
import re
from pathlib import Path

from docker_helpers import DOCKERFILE, DOCKERFILE_BOT, DOCKERIGNORE, REPO_ROOT

from gateway.assistant.training import data_files

RASA_MODEL = "/models/parley.tar.gz"
# The only locked bot packages published without a wheel (see Dockerfile.bot).
SDIST_ONLY_BOT_PACKAGES = {"docopt", "randomname", "mattermostwrapper"}


def instructions(dockerfile: Path) -> list[str]:
    """The Dockerfile's instructions, one per line: continuations joined, comments dropped."""
    text = dockerfile.read_text(encoding="utf-8")
    return [
        line.strip()
        for line in re.sub(r"\\\n", " ", text).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def stages(dockerfile: Path) -> list[list[str]]:
    """The instructions of each build stage, in order (what precedes the first FROM dropped)."""
    lines = instructions(dockerfile)
    starts = [i for i, line in enumerate(lines) if line.upper().startswith("FROM ")]
    return [lines[a:b] for a, b in zip(starts, [*starts[1:], len(lines)], strict=True)]


def runtime_user(stage: list[str]) -> str:
    users = [line.split()[1] for line in stage if line.upper().startswith("USER ")]
    assert users, "the stage never sets USER (it would run as root)"
    return users[-1].split(":")[0]


def test_dockerfile_runtime_stage() -> None:
    """Static checks of what cannot be built here (no Docker engine)."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    all_stages = stages(DOCKERFILE)
    assert len(all_stages) >= 2, "expected a multi-stage build"
    runtime = all_stages[-1]
    assert runtime_user(runtime) not in {"root", "0"}
    assert any("/healthz" in line for line in runtime if line.upper().startswith("HEALTHCHECK"))
    assert runtime[-1] == 'CMD ["parley", "serve"]'
    assert re.search(r"pip install --require-hashes\b.*-r ", text)
    assert re.search(r"pip install --no-deps\b.* \.", text)


def test_bot_dockerfile_builds_venv_and_trains_model() -> None:
    all_stages = stages(DOCKERFILE_BOT)
    assert len(all_stages) == 2, "expected a builder and a runtime stage"
    builder, runtime = all_stages
    lines = instructions(DOCKERFILE_BOT)
    assert lines[0] == "ARG PYTHON_IMAGE=python:3.10-slim-bookworm", lines[0]
    assert builder[0] == "FROM ${PYTHON_IMAGE} AS builder"
    assert runtime[0] == "FROM ${PYTHON_IMAGE} AS runtime"

    # The hash-pinned bot lock; wheels only, except the packages that have no wheel at all.
    [install] = [line for line in builder if "pip install" in line]
    assert "--require-hashes" in install, install
    assert "-r /tmp/requirements.lock" in install, install
    assert "--only-binary=:all:" in install, install
    no_binary = re.search(r"--no-binary=(\S+)", install)
    assert no_binary, install
    assert set(no_binary.group(1).split(",")) == SDIST_ONLY_BOT_PACKAGES, install
    assert "COPY bot/requirements.lock /tmp/requirements.lock" in builder

    # The model is trained while building, from nlu_data/, in the builder stage only.
    [train] = [line for line in builder if re.match(r"RUN rasa train\b", line)]
    for option in (
        "--data nlu_data",
        "--config bot/config.yml",
        "--domain bot/domain.yml",
        "--out /models",
        "--fixed-model-name parley",
    ):
        assert option in train, (option, train)
    assert builder.index(train) > builder.index(install)
    assert not any("rasa train" in line for line in runtime)
    assert f"COPY --from=builder {RASA_MODEL} {RASA_MODEL}" in runtime
    for line in (*builder, *runtime):
        if line.upper().startswith("ENV ") and "RASA_TELEMETRY_ENABLED" in line:
            assert "RASA_TELEMETRY_ENABLED=false" in line, line
    for stage in (builder, runtime):
        assert any("RASA_TELEMETRY_ENABLED=false" in line for line in stage), stage[0]
    assert any("PYTHONUNBUFFERED=1" in line for line in runtime if line.startswith("ENV "))


def test_bot_dockerfile_runtime_stage() -> None:
    runtime = stages(DOCKERFILE_BOT)[-1]
    assert runtime_user(runtime) == "10001"
    assert "COPY --from=builder /opt/venv /opt/venv" in runtime
    assert "COPY docker/endpoints.yml ./endpoints.yml" in runtime
    assert "COPY bot/credentials.yml ./bot/credentials.yml" in runtime
    assert "COPY bot/actions ./bot/actions" in runtime
    # The CMD's relative paths are under /app; `--actions actions` is found via PYTHONPATH.
    assert "WORKDIR /app" in runtime
    assert any("PYTHONPATH=/app/bot" in line for line in runtime if line.startswith("ENV "))
    [healthcheck] = [line for line in runtime if line.upper().startswith("HEALTHCHECK")]
    assert "http://127.0.0.1:5005/status" in healthcheck, healthcheck
    cmd = json.loads(runtime[-1].removeprefix("CMD "))
    assert cmd[:3] == ["rasa", "run", "--enable-api"], cmd
    options = dict(zip(cmd[3::2], cmd[4::2], strict=True))
    assert options == {
        "-m": RASA_MODEL,
        "--endpoints": "endpoints.yml",
        "--credentials": "bot/credentials.yml",
        "-i": "0.0.0.0",  # noqa: S104 - inside the container
        "-p": "5005",
    }, options


def ignore_patterns() -> list[re.Pattern[str]]:
    """.dockerignore as regexes, with the Docker (moby patternmatcher) meaning of * ? **."""
    patterns = []
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        # Exceptions would need ordered evaluation; this checker does not implement them.
        assert not line.startswith("!"), f"unsupported exception pattern {line!r}"
        pattern = line.strip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        patterns.append(re.compile(f"^{regex}$"))
    return patterns


def excluded(path: str, patterns: list[re.Pattern[str]]) -> bool:
    """Whether the build context leaves out ``path``: it or one of its parents matches."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    return any(p.match(prefix) for p in patterns for prefix in prefixes)


def copied_sources(dockerfile: Path) -> list[str]:
    """Context paths that the Dockerfile COPYs (ARG defaults substituted, --from= skipped)."""
    lines = instructions(dockerfile)
    args = dict(
        line.split(None, 1)[1].split("=", 1)
        for line in lines
        if line.upper().startswith("ARG ") and "=" in line
    )
    sources = []
    for line in lines:
        words = line.split()
        if words[0].upper() != "COPY" or any(w.startswith("--from=") for w in words):
            continue
        for word in words[1:-1]:
            sources.append(re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], word))
    return sources


def test_dockerignore_keeps_sources_and_drops_local_state() -> None:
    patterns = ignore_patterns()
    sources = copied_sources(DOCKERFILE) + copied_sources(DOCKERFILE_BOT)
    assert {"bot/requirements.lock", "nlu_data", "bot/actions", "gateway"} <= set(sources)
    for source in sources:
        assert (REPO_ROOT / source).exists(), f"COPY {source}: no such path"
        assert not excluded(source, patterns), f"COPY {source} is left out of the build context"
        for file in (REPO_ROOT / source).rglob("*.py"):
            relative = file.relative_to(REPO_ROOT).as_posix()
            assert "__pycache__" in relative or not excluded(relative, patterns), relative

    # The image trains on exactly the files `parley run` trains on (no test stories).
    nlu_data = REPO_ROOT / "nlu_data"
    in_context = {
        file.relative_to(REPO_ROOT)
        for file in nlu_data.rglob("*")
        if file.suffix in {".yml", ".yaml", ".json"}  # what `rasa train --data` reads
        and not excluded(file.relative_to(REPO_ROOT).as_posix(), patterns)
    }
    assert in_context == set(data_files(REPO_ROOT))
    for test_stories in (
        "nlu_data/tests/stories.yml",
        "nlu_data/test_stories.yml",
        "nlu_data/more/test_rules.yaml",
    ):
        assert excluded(test_stories, patterns), test_stories

    # Local environments, state, caches, trained models and secrets never enter an image.
    for local in (
        ".venv/bin/python",
        ".venv-bot/bin/rasa",
        "var/parley.db",
        "var/models/abc.tar.gz",
        ".rasa/cache/x",
        "bot/.rasa/cache/x",
        "models/parley.tar.gz",
        "bot/models/parley.tar.gz",
        ".env",
        "docker/.env",
        ".git/HEAD",
        "bot/actions/__pycache__/base.cpython-310.pyc",
    ):
        assert excluded(local, patterns), local
