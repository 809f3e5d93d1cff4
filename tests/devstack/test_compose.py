"""compose.yaml agrees with devstack/services.py: every present service is there with the same
command, port, environment (plus its own PostgreSQL database) and a /ready healthcheck; the
databases it names are the ones the init script creates. (No container engine runs here, so the
file is checked, not started.)"""

from __future__ import annotations

import re
from typing import Any

import yaml

from devstack.compose import expected
from devstack.services import DEV_CONFIG, SERVICES
from router.config import load_config
from servicekit.topology import PROJECT_ROOT
from subgraphs.registry import SUBGRAPHS

COMPOSE = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())
INIT_SQL = (PROJECT_ROOT / "devstack" / "postgres" / "init-databases.sql").read_text()


def _service(name: str) -> dict[str, Any]:
    service: dict[str, Any] = COMPOSE["services"][name]
    return service


def test_every_present_service_agrees_with_the_service_list() -> None:
    present = [s for s in SERVICES if s.missing() is None]
    assert {s.name for s in present} >= set(SUBGRAPHS)
    for service in present:
        compose = _service(service.name)
        want = expected(service)
        environment = dict(want.environment)
        if service.name in SUBGRAPHS:
            environment[f"{service.name.upper()}_DATABASE_URL"] = _database_url(service.name)
        assert compose["command"] == want.command, service.name
        assert compose["ports"] == [f"{want.port}:{want.port}"], service.name
        if service.name == "router":
            # The same settings with the containers' host names (see the test below).
            environment["ROUTER_CONFIG"] = "config/router.compose.yaml"
        # Container-only additions: Redis lives at redis:6379 there, not 127.0.0.1; the router
        # and the subgraphs get the identity secret `stack up` generates, from .env here.
        extras = {k: v for k, v in compose["environment"].items() if k not in environment}
        assert {k: compose["environment"].get(k) for k in environment} == environment, service.name
        expected_extras = {k: "redis://redis:6379/0" for k in extras if k.endswith("_REDIS_URL")}
        if service.workers:  # event workers in the process: the broker (issue #15)
            expected_extras["EVENTS_BROKER_URL"] = "${EVENTS_BROKER_URL:-redis://redis:6379/0}"
        if service.name in SUBGRAPHS or service.name == "router":
            expected_extras["IDENTITY_HMAC_SECRET"] = FROM_ENV_FILE.format("IDENTITY_HMAC_SECRET")
        assert extras == expected_extras, service.name
        assert want.ready_url in " ".join(compose["healthcheck"]["test"]), service.name
        assert compose["build"] == "." and compose["image"] == "federation-platform:dev"


FROM_ENV_FILE = "${{{}:?run `stack env-file` (see .env.example)}}"


def _database_url(name: str) -> str:
    return f"postgresql+asyncpg://postgres:${{POSTGRES_PASSWORD}}@postgres:5432/{name}"


def test_the_compose_router_config_is_the_dev_one_with_container_hosts() -> None:
    dev = load_config(PROJECT_ROOT / DEV_CONFIG).model_dump()
    containers = load_config(PROJECT_ROOT / "config" / "router.compose.yaml").model_dump()
    assert containers["http"]["redis_url"] == "redis://redis:6379/0"
    assert containers["security"]["jwt"]["jwks_url"] == "http://accounts:4001/.well-known/jwks.json"
    containers["http"]["redis_url"] = dev["http"]["redis_url"]
    containers["security"]["jwt"]["jwks_url"] = dev["security"]["jwt"]["jwks_url"]
    assert containers == dev
    assert dev["identity_forwarding"] == {"secret": None}  # IDENTITY_HMAC_SECRET provides it


def test_the_seed_job_and_the_databases() -> None:
    created = re.findall(r"CREATE DATABASE (\w+);", INIT_SQL)
    assert created == list(SUBGRAPHS)
    seed = _service("seed")
    assert seed["command"] == ["subgraph", "seed"]
    assert seed["environment"] == {
        f"{name.upper()}_DATABASE_URL": _database_url(name) for name in SUBGRAPHS
    }
    postgres = _service("postgres")["environment"]
    assert postgres["POSTGRES_PASSWORD"] == FROM_ENV_FILE.format("POSTGRES_PASSWORD")
    for name in SUBGRAPHS:
        assert _service(name)["depends_on"]["seed"] == {
            "condition": "service_completed_successfully"
        }
    assert _service("orders")["depends_on"]["products"] == {"condition": "service_healthy"}


def test_the_dockerfile_installs_from_the_lock_file() -> None:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert "uv sync --frozen --no-dev" in dockerfile
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
    assert {".venv", "data", ".git", "**/node_modules"} <= set(ignored)
