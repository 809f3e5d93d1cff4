"""compose.scale.yaml over compose.yaml (issue #19), merged the way compose merges files (maps
merged key by key, ``command`` replaced, ``ports`` appended unless ``!reset``), checked
structurally since no container engine runs here: the registry, every subgraph publishing itself
with its own container URL, accounts replicas sharing their signing keys, routers started from
the registry only, HAProxy's configuration being what devstack/haproxy.py writes for the router
and web BFF replicas, the BFFs reaching the routers through it, the secrets from .env, no clash
with a local Redis or PostgreSQL, and GraphiQL's assets built into the image."""

from __future__ import annotations

from typing import Any

import yaml

from devstack.haproxy import Backend, haproxy_config
from devstack.secrets import ENV_FILE_KEYS
from servicekit.topology import PROJECT_ROOT

TOKEN = "${REGISTRY_TOKEN:?run `stack env-file` (see .env.example)}"
SUBGRAPHS = {"accounts": 4001, "products": 4002, "inventory": 4003, "reviews": 4004, "orders": 4005}


class _Reset(list[Any]):
    """``!reset []``: drop what the base file says."""


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!reset", lambda loader, node: _Reset(loader.construct_sequence(node)))


def _merge(base: Any, override: Any) -> Any:
    if isinstance(override, _Reset):
        return list(override)
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            if key == "command":
                merged[key] = value
            else:
                merged[key] = _merge(base.get(key), value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(override, list):
        return [*base, *(item for item in override if item not in base)]
    return override


def _load(name: str) -> dict[str, Any]:
    with (PROJECT_ROOT / name).open() as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=_Loader)  # a SafeLoader
        return document


MERGED = _merge(_load("compose.yaml"), _load("compose.scale.yaml"))
SERVICES: dict[str, dict[str, Any]] = MERGED["services"]


def test_subgraphs_and_replicas_publish_themselves_to_the_registry() -> None:
    registry = SERVICES["registry"]
    assert registry["command"][:1] == ["registry"]
    assert registry["environment"]["REGISTRY_TOKEN"] == TOKEN
    assert "4300/ready" in " ".join(registry["healthcheck"]["test"])
    replicas = {"accounts_2": "accounts", "products_2": "products"}
    for service, base in {**{n: n for n in SUBGRAPHS}, **replicas}.items():
        entry = SERVICES[service]
        port = SUBGRAPHS[base]
        assert entry["command"] == [
            "subgraph",
            "serve",
            base,
            "--host",
            "0.0.0.0",
            "--port",
            str(port),
        ]
        assert {
            k: entry["environment"][k]
            for k in ("REGISTRY_URL", "REGISTRY_TOKEN", "REGISTRY_ADVERTISE_URL")
        } == {
            "REGISTRY_URL": "http://registry:4300",
            "REGISTRY_TOKEN": TOKEN,
            "REGISTRY_ADVERTISE_URL": f"http://{service}:{port}/graphql",
        }, service
        assert entry["environment"][f"{base.upper()}_DATABASE_URL"].endswith(
            f"@postgres:5432/{base}"
        )
        assert entry["depends_on"]["registry"] == {"condition": "service_healthy"}
    for service in ("accounts", "accounts_2"):
        assert SERVICES[service]["environment"]["ACCOUNTS_KEYS_DIR"] == "/var/lib/accounts-keys"
        assert "accounts-keys:/var/lib/accounts-keys" in SERVICES[service]["volumes"]


def test_routers_start_from_the_registry_behind_haproxy() -> None:
    for name in ("router", "router_2"):
        router = SERVICES[name]
        command = router["command"]
        assert command[:3] == ["router", "--registry", "http://registry:4300"], name
        assert "--supergraph" not in command and "--drain-seconds" in command
        assert router["environment"]["ROUTER_REGISTRY_TOKEN"] == TOKEN
        assert router.get("ports", []) == [], name
    assert (
        SERVICES["bff_web"].get("ports", []) == [] and SERVICES["bff_web_2"].get("ports", []) == []
    )
    for name in ("bff_web", "bff_web_2", "bff_mobile"):
        prefix = "BFF_MOBILE_" if name == "bff_mobile" else "BFF_WEB_"
        assert SERVICES[name]["environment"][prefix + "ROUTER_URL"] == "http://haproxy:4000/graphql"
    haproxy = SERVICES["haproxy"]
    assert haproxy["ports"] == ["4000:4000", "4100:4100", "4900:4900"]
    [mount] = haproxy["volumes"]
    source = PROJECT_ROOT / mount.split(":")[0]
    expected = haproxy_config(
        {
            "router": Backend(4000, ["router:4000", "router_2:4000"]),
            "bff_web": Backend(4100, ["bff_web:4100", "bff_web_2:4100"]),
        },
        monitor_port=4900,
        host="0.0.0.0",
        container_dns=True,
    )
    assert source.read_text() == expected


def test_secrets_ports_and_image() -> None:
    assert "REGISTRY_TOKEN" in ENV_FILE_KEYS
    assert "REGISTRY_TOKEN=" in (PROJECT_ROOT / ".env.example").read_text().splitlines()
    assert "ports" not in SERVICES["redis"] and "ports" not in SERVICES["postgres"]
    published = [p.split(":")[0] for s in SERVICES.values() for p in s.get("ports", [])]
    assert len(published) == len(set(published)), published
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert "npm ci --omit=dev" in dockerfile
    assert (
        "COPY --from=graphiql /assets/node_modules router/http/graphiql/node_modules" in dockerfile
    )
