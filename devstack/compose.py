"""What compose.yaml must say for each entry of :data:`devstack.services.SERVICES`: the same
command (bound to 0.0.0.0), the same port, and the same environment with other services
reached by their compose host names. The compose test compares the file with this."""

from __future__ import annotations

from dataclasses import dataclass

from devstack.services import SERVICES, Service

__all__ = ["ROUTER_ADDRESS", "ComposeExpectation", "expected"]

ROUTER_ADDRESS = "172.30.0.10"
"""The router container's fixed address on the compose network (``networks.default`` in
compose.yaml): the accounts service trusts its ``X-Forwarded-For`` and no one else's."""


@dataclass(frozen=True)
class ComposeExpectation:
    command: list[str]
    port: int
    environment: dict[str, str]
    ready_url: str


def expected(service: Service) -> ComposeExpectation:
    """``service`` as a container: argv without the venv path, URLs to ``http://<name>:<port>``."""
    values = {"host": "0.0.0.0", "port": str(service.port), "router_address": ROUTER_ADDRESS}
    for other in SERVICES:
        values[f"{other.name}_port"] = str(other.port)
        values[f"{other.name}_base"] = f"http://{other.name}:{other.port}"
        values[f"{other.name}_url"] = f"http://{other.name}:{other.port}{other.graphql_path}"
    command = [service.argv[0], *(arg.format_map(values) for arg in service.argv[1:])]
    environment = {key: value.format_map(values) for key, value in service.env.items()}
    ready_url = f"http://127.0.0.1:{service.port}{service.ready_path}"
    return ComposeExpectation(command, service.port, environment, ready_url)
