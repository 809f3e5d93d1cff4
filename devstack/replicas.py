"""``stack up --replicas router=2,bff_web=2,products=2`` (issue #19): several processes of a
service, and HAProxy (devstack/haproxy.py) in front of the router and BFF replicas.

- the router and the BFFs: replicas ``router_r1``, ``router_r2``... listen on the service's port
  plus 10000 * k; HAProxy listens on the service's own port, so every URL the others are given
  (``{router_url}`` for the BFFs) goes through it, health-checked on ``/ready``;
- a subgraph: the service itself stays, replicas ``products_r2``... join it on the same store,
  and the router is given every replica's URL (``--subgraph-url`` repeated: its client-side load
  balancing, ``router.resilience.balancer``).

Replica ports can be moved like any other (``--port router_r1=PORT``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from devstack.haproxy import Backend, haproxy_config, haproxy_program
from devstack.services import REPLICA_SEPARATOR, Service

__all__ = [
    "BALANCED",
    "HAPROXY_PORT",
    "expand_replicas",
    "haproxy_service",
    "parse_replicas",
]

BALANCED = ("router", "bff_web", "bff_mobile")
REPLICA_PORT_STEP = 10000
HAPROXY_PORT = 4900
"""HAProxy's own ``/ready`` and ``/stats``."""


def parse_replicas(items: Sequence[str], known: Sequence[str]) -> dict[str, int]:
    """``["router=2,products=2"]`` (commas or repeats) → ``{"router": 2, "products": 2}``."""
    counts: dict[str, int] = {}
    for item in (part for chunk in items for part in chunk.split(",") if part):
        name, _, count = item.partition("=")
        if name not in known or not count.isdecimal() or not 1 <= int(count) <= 5:
            raise ValueError(
                f"--replicas wants NAME=N (1-5) for a service of this run, got {item!r}"
            )
        counts[name] = int(count)
    return counts


def _replica(service: Service, number: int) -> Service:
    return replace(
        service,
        name=f"{service.name}{REPLICA_SEPARATOR}{number}",
        port=service.port + REPLICA_PORT_STEP * number,
        replica_of=service.name,
    )


def expand_replicas(services: Sequence[Service], counts: Mapping[str, int]) -> list[Service]:
    """The processes of the run: balanced services become their replicas, subgraphs gain
    theirs, and the router(s) get every subgraph replica's URL."""
    expanded: list[Service] = []
    extra_urls: list[str] = []
    for service in services:
        count = counts.get(service.name, 1)
        if count <= 1:
            expanded.append(service)
        elif service.name in BALANCED:
            expanded += [_replica(service, k) for k in range(1, count + 1)]
        else:
            copies = [_replica(service, k) for k in range(2, count + 1)]
            expanded += [service, *copies]
            extra_urls += [f"--subgraph-url={service.name}={{{c.name}_url}}" for c in copies]
    return [replace(s, argv=(*s.argv, *extra_urls)) if s.base == "router" else s for s in expanded]


def balanced_backends(services: Sequence[Service], ports: Mapping[str, int]) -> dict[str, Backend]:
    backends: dict[str, Backend] = {}
    for service in services:
        if service.replica_of in BALANCED:
            base = service.replica_of
            current = backends.get(base)
            replicas: list[int | str] = [
                *(current.replicas if current else []),
                ports[service.name],
            ]
            backends[base] = Backend(ports[base], replicas)
    return backends


def haproxy_service(
    services: Sequence[Service], ports: Mapping[str, int], config_path: Path
) -> Service | None:
    """HAProxy in front of the balanced services' replicas (``None`` when there are none);
    writes its configuration to ``config_path``. Raises ``RuntimeError`` without HAProxy."""
    backends = balanced_backends(services, ports)
    if not backends:
        return None
    program = haproxy_program()
    if program is None:
        raise RuntimeError("--replicas needs HAProxy: apt-get install haproxy")
    config_path.parent.mkdir(parents=True, exist_ok=True)
    monitor = ports.get("haproxy", HAPROXY_PORT)
    config_path.write_text(haproxy_config(backends, monitor_port=monitor))
    return Service("haproxy", "devstack.haproxy", (program, "-f", str(config_path), "-db"), monitor)
