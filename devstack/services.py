"""Every service of the system in ONE list: what ``stack up``, ``tests/support/stack.py`` and the
compose.yaml test all read.

An entry names the module that must exist for the service to run, the console script and its
arguments, the dev port, extra environment and the readiness path. ``{host}``, ``{port}``,
``{<name>_url}`` (a service's GraphQL URL), ``{<name>_base}`` (``http://host:port``) and
``{<name>_port}`` in arguments and environment are filled in per run from ONE port map, so every
URL a service is given follows a moved port, and a test stack on free ports wires itself the same
way as the dev stack.
Adding the router or a BFF is one more line in :data:`SERVICES`; an entry whose program is not
present yet is skipped with a message.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from servicekit.processes import ProcessSpec
from servicekit.topology import (
    BFF_MOBILE_PORT,
    BFF_WEB_PORT,
    PROJECT_ROOT,
    ROUTER_PORT,
    load_subgraphs,
)

__all__ = [
    "BFF_MOBILE_PORT",
    "BFF_WEB_PORT",
    "DEV_CONFIG",
    "JWKS_PATH",
    "ROUTER_PORT",
    "SERVICES",
    "UNREACHABLE_BASE",
    "UNREACHABLE_URL",
    "Service",
    "by_name",
    "subgraph_service",
]

REPLICA_SEPARATOR = "_r"
"""``router_r2``: replica 2 of ``router`` (``{router_r2_url}`` in placeholders)."""

# What a placeholder of a service that is not part of a run points at: nothing listens there.
UNREACHABLE_BASE = "http://127.0.0.1:9"
UNREACHABLE_URL = f"{UNREACHABLE_BASE}/graphql"


@dataclass(frozen=True)
class Service:
    """One process: ``argv[0]`` is a console script from pyproject.toml."""

    name: str
    module: str
    argv: tuple[str, ...]
    port: int
    env: Mapping[str, str] = field(default_factory=dict)
    ready_path: str = "/ready"
    graphql_path: str = "/graphql"
    workers: tuple[str, ...] = ()
    """Event workers running inside this process (issue #15: relays and consumers are part of
    each service, not separate processes); ``stack up`` lists them."""
    replica_of: str | None = None
    """Set on a replica (``stack up --replicas``, devstack/replicas.py): the service it copies."""

    @property
    def base(self) -> str:
        """The service this process is (itself, or the one it is a replica of)."""
        return self.replica_of or self.name

    def missing(self) -> str | None:
        """Why this service cannot run here (``None`` when it can)."""
        if not _module_present(self.module):
            return f"module {self.module} is not present yet"
        if _program(self.argv[0]) is None:
            return f"program {self.argv[0]} is not installed (uv sync)"
        return None

    def url(self, host: str, port: int) -> str:
        return f"http://{host}:{port}{self.graphql_path}"

    def ready_url(self, host: str, port: int) -> str:
        return f"http://{host}:{port}{self.ready_path}"

    def process_spec(
        self,
        ports: Mapping[str, int],
        *,
        host: str = "127.0.0.1",
        extra_env: Mapping[str, str] | None = None,
    ) -> ProcessSpec:
        """The concrete process for a run where service ``n`` listens on ``ports[n]``."""
        values = _placeholders(ports, host)
        port = ports[self.name]
        values.update(host=host, port=str(port), router_address=outbound_address(host))
        program = _program(self.argv[0]) or self.argv[0]
        argv = [program, *(arg.format_map(values) for arg in self.argv[1:])]
        env = {key: value.format_map(values) for key, value in self.env.items()}
        env.update(extra_env or {})
        return ProcessSpec(self.name, argv, self.ready_url(host, port), env=env, cwd=PROJECT_ROOT)


def outbound_address(host: str) -> str:
    """The source address of the router's connections to services bound to ``host`` (a
    wildcard bind is reached over the loopback)."""
    return "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host


class _Placeholders(dict[str, str]):
    def __missing__(self, key: str) -> str:
        if key.endswith("_url"):
            return UNREACHABLE_URL
        if key.endswith("_base"):
            return UNREACHABLE_BASE
        if key.endswith("_port"):
            return "9"
        raise KeyError(key)


def _placeholders(ports: Mapping[str, int], host: str) -> _Placeholders:
    values = _Placeholders()
    known = {service.name: service for service in SERVICES}
    for name, port in ports.items():
        service = known.get(name) or known.get(name.rpartition(REPLICA_SEPARATOR)[0])
        values[f"{name}_port"] = str(port)
        values[f"{name}_base"] = f"http://{host}:{port}"
        values[f"{name}_url"] = service.url(host, port) if service else UNREACHABLE_URL
    return values


def _module_present(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def _program(name: str) -> str | None:
    """A console script of this environment (``.venv/bin/NAME``), else one on ``PATH``."""
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else shutil.which(name)


def subgraph_service(name: str, port: int, env: Mapping[str, str] | None = None) -> Service:
    """A subgraph: ``subgraph serve NAME``."""
    argv = ("subgraph", "serve", name, "--host", "{host}", "--port", "{port}")
    workers = _EVENT_WORKERS.get(name, ())
    return Service(name, "subgraphs.cli", argv, port, dict(env or {}), workers=workers)


_SUBGRAPH_ENV = {
    "orders": {"ORDERS_PRODUCTS_URL": "{products_url}"},
    # The router forwards each client's address (config/router.dev.yaml,
    # forward_client_address); accounts believes it from the router's address only, so its
    # per-client login throttle tells clients apart and a client cannot pick its own bucket.
    "accounts": {"ACCOUNTS_TRUSTED_PROXIES": '["{router_address}"]'},
}
_RELAY = "outbox relay"
_EVENT_WORKERS: dict[str, tuple[str, ...]] = {
    "orders": (
        "order saga (consumes StockReserved, StockReservationFailed, PaymentCharged, "
        "PaymentDeclined; step timeouts)",
        _RELAY,
    ),
    "inventory": ("consumes ReserveStock, ReleaseStock, ConfirmStock", _RELAY),
}
BFF_WORKERS = ("cache invalidation (consumes StockChanged, PriceChanged, OrderStatusChanged)",)
ROUTER_WORKERS = (
    "response cache invalidation (consumes PriceChanged, StockChanged, OrderStatusChanged)",
)


DEV_CONFIG = "config/router.dev.yaml"
JWKS_PATH = "/.well-known/jwks.json"  # served by accounts (subgraphs/accounts/app.py)


def _router_services() -> list[Service]:
    """The router, once ``schema/supergraph.graphql`` is composed (until then it cannot start)."""
    if not (PROJECT_ROOT / "schema" / "supergraph.graphql").exists():
        return []
    argv: tuple[str, ...] = ("router", "--supergraph", "schema/supergraph.graphql", "--dev")
    argv += ("--host", "{host}", "--port", "{port}")
    argv += tuple(f"--subgraph-url={e.name}={{{e.name}_url}}" for e in load_subgraphs())
    # config/router.dev.yaml: CSRF on, anonymous per-IP rate limit; tests' stacks unset it.
    # `stack up` gives the router a copy with the JWKS URL of this run's accounts port
    # (devstack/router_config.py).
    # config/router.dev.yaml turns the response cache's invalidation by domain events on.
    env = {"ROUTER_CONFIG": DEV_CONFIG}
    return [Service("router", "router.cli", argv, ROUTER_PORT, env, workers=ROUTER_WORKERS)]


_BFF_ENV = {"mobile": {"BFF_MOBILE_ROUTER_PERSISTED_IDS": "true"}}
"""The mobile BFF sends its router operations by id (config/router.dev.yaml safelists it)."""

SERVICES: list[Service] = [
    *(subgraph_service(e.name, e.port, _SUBGRAPH_ENV.get(e.name)) for e in load_subgraphs()),
    *_router_services(),
    *(
        Service(
            f"bff_{client}",
            f"bff_{client}.app",
            (f"bff-{client}",),
            port,
            {
                f"BFF_{client.upper()}_HOST": "{host}",
                f"BFF_{client.upper()}_PORT": "{port}",
                f"BFF_{client.upper()}_ROUTER_URL": "{router_url}",
                f"BFF_{client.upper()}_JWKS_URL": "{accounts_base}" + JWKS_PATH,
                f"BFF_{client.upper()}_MODE": "development",
                **_BFF_ENV.get(client, {}),
            },
            workers=BFF_WORKERS,
        )
        for client, port in (("web", BFF_WEB_PORT), ("mobile", BFF_MOBILE_PORT))
    ),
]


def by_name(names: Sequence[str] | None = None) -> list[Service]:
    """The named services in :data:`SERVICES` order (all without ``names``)."""
    if names is None:
        return list(SERVICES)
    known = {service.name for service in SERVICES}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise KeyError(f"unknown services: {', '.join(unknown)}")
    return [service for service in SERVICES if service.name in names]
