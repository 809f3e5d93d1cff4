"""The opt-in observability stack's files agree with the services: compose's Prometheus,
collector, Jaeger and Grafana; the traces override covers every service; Prometheus's compose
targets are the services' ports; the Grafana dashboard queries series the router exposes."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import yaml

from servicekit.topology import PROJECT_ROOT
from tests.observability.conftest import ObservedStack

COMPOSE: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())
OBSERVABILITY = PROJECT_ROOT / "observability"


def _app_services() -> dict[str, Any]:
    return {
        name: service
        for name, service in COMPOSE["services"].items()
        if service.get("image") == "federation-platform:dev" and name != "seed"
    }


def test_compose_has_the_opt_in_observability_services() -> None:
    services = COMPOSE["services"]
    opt_in = {name for name, s in services.items() if "observability" in s.get("profiles", [])}
    assert opt_in == {"prometheus", "otel-collector", "jaeger", "grafana"}
    for name in opt_in:
        for volume in services[name].get("volumes", []):
            source = volume.split(":")[0]
            assert (PROJECT_ROOT / source).exists(), f"{name}: {source}"


def test_the_traces_override_covers_every_service() -> None:
    override = yaml.safe_load((OBSERVABILITY / "compose.traces.yaml").read_text())
    assert set(override["services"]) == set(_app_services())
    collector_ports = COMPOSE["services"]["otel-collector"]["ports"]
    assert "4318:4318" in collector_ports
    for service in override["services"].values():
        assert service["environment"] == {
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector:4318"
        }


def test_prometheus_scrapes_every_compose_service() -> None:
    config = yaml.safe_load((OBSERVABILITY / "prometheus.compose.yml").read_text())
    targets = {
        job["job_name"]: job["static_configs"][0]["targets"] for job in config["scrape_configs"]
    }
    expected = {
        name: [f"{name}:{service['ports'][0].split(':')[0]}"]
        for name, service in _app_services().items()
    }
    assert targets == expected


def test_the_dashboard_queries_series_the_router_exposes(observed: ObservedStack) -> None:
    dashboard = json.loads((OBSERVABILITY / "grafana" / "router.json").read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = {name for expr in exprs for name in re.findall(r"\b(router_[a-z_]+)\{", expr)}
    exposed = httpx.get(f"{observed.stack.base_url('router')}/metrics", timeout=10).text
    families = set(re.findall(r"^# TYPE (\S+) (\S+)", exposed, flags=re.MULTILINE))
    names = set()
    for family, kind in families:
        names.add(family)
        if kind == "histogram":
            names |= {f"{family}_bucket", f"{family}_count", f"{family}_sum"}
    assert used, "no router series in the dashboard"
    assert sorted(used - names) == []
