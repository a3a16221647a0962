"""docker/compose.yml as the real Docker Compose v2 renders it (`docker compose config`, see
docker_helpers.py): the settings it requires, each service, the assistant's wiring, networks,
hardening, and docker/endpoints.yml against the rasa service.

A missing compose binary is a FAILED test, never a skip.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from docker_helpers import (
    BOT_ENDPOINTS,
    DOCKERFILE,
    DOCKERFILE_BOT,
    REPO_ROOT,
    REQUIRED_ENV,
    Compose,
)

APP_SERVICES = ("gateway", "worker", "transcriber", "migrate")
# The gateway's processes that talk to the assistant.
ASSISTANT_CLIENTS = ("gateway", "worker", "transcriber")
BOT_SERVICES = ("rasa", "actions")
EXPECTED_SERVICES = (
    "gateway",
    "worker",
    "transcriber",
    "migrate",
    "rasa",
    "actions",
    "redis",
    "postgres",
)
RASA_URL = "http://rasa:5005"


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
