"""HAProxy (Debian's ``haproxy`` package) in front of replicas of the router and the BFFs
(issue #19): one frontend per replicated service on the service's own port, least-connections
balancing, health checks on ``/ready`` (a draining replica answers 503 there and leaves the
rotation before it stops accepting: ``servicekit.serve``; checks every 0.5 s, two failures
take a replica out, so a drain of 3 s is enough; a check may take 3 s, since a loaded router's
``/ready`` probes its subgraphs), a connection that fails is
redispatched to another replica (``retry-on conn-failure``: the request never reached the first
one, so even a mutation is safe to resend; a request already sent to a replica that dies is not
replayed). ``monitor-uri /ready`` and ``/stats;csv`` on the monitor port.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["HAPROXY", "Backend", "haproxy_config", "haproxy_program"]

HAPROXY = "haproxy"


@dataclass(frozen=True)
class Backend:
    """A service behind HAProxy: the port clients use and the replicas (a port on ``host``, or
    ``name:port`` elsewhere, e.g. compose's service names)."""

    port: int
    replicas: Sequence[int | str]
    health_path: str = "/ready"


def haproxy_program() -> str | None:
    return shutil.which(HAPROXY) or shutil.which(HAPROXY, path="/usr/sbin:/usr/local/sbin")


def haproxy_config(
    backends: Mapping[str, Backend],
    *,
    monitor_port: int,
    host: str = "127.0.0.1",
    check_interval_ms: int = 500,
    container_dns: bool = False,
) -> str:
    """The configuration text (``haproxy -f FILE -db``); ``container_dns``: replicas are names
    resolved by the container engine's DNS (127.0.0.11), at start-up or later, as they come."""
    lines = [
        "global",
        "  maxconn 4096",
        "",
    ]
    resolver = ""
    if container_dns:
        lines += ["resolvers containers", "  nameserver dns 127.0.0.11:53", "  hold valid 5s", ""]
        resolver = " resolvers containers init-addr last,libc,none"
    lines += [
        "defaults",
        "  mode http",
        "  timeout connect 2s",
        "  timeout client 60s",
        "  timeout server 60s",
        "  timeout http-request 10s",
        "  timeout http-keep-alive 10s",
        "  timeout check 3s",
        "  option http-buffer-request",
        "  retries 3",
        "  retry-on conn-failure",
        "  option redispatch 1",
        "",
        "frontend monitor",
        f"  bind {host}:{monitor_port}",
        "  monitor-uri /ready",
        "  stats enable",
        "  stats uri /stats",
        "  stats refresh 1s",
    ]
    for name, backend in backends.items():
        lines += [
            "",
            f"frontend {name}",
            f"  bind {host}:{backend.port}",
            f"  default_backend {name}",
            "",
            f"backend {name}",
            "  balance leastconn",
            f"  option httpchk GET {backend.health_path}",
            "  http-check expect status 200",
            f"  default-server inter {check_interval_ms}ms fall 2 rise 2{resolver}",
        ]
        lines += [
            f"  server {name}-{number} {replica if isinstance(replica, str) else f'{host}:{replica}'} check"
            for number, replica in enumerate(backend.replicas, start=1)
        ]
    return "\n".join(lines) + "\n"
