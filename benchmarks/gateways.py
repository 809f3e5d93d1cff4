"""The gateways `bench` measures, each as a command line over the same supergraph file.

- ``router``: our router (``router --supergraph --config``), production mode, no Redis;
- ``router-nodedup``: the same with every deduplication off (``all_subgraphs.deduplicate_queries:
  false``), the mode Apollo Gateway has (issue #20: the honest comparison);
- ``router-dedupe``: the same with ``deduplicate_inbound: true``;
- ``apollo``: @apollo/gateway 2.14 behind @apollo/server (``node/apollo-gateway.cjs``);
- ``hive``: @graphql-hive/gateway's CLI (``hive-gateway supergraph --jit``, as The Guild's
  benchmark runs it), one process;
- ``hive-dedupe``: the same with ``inboundInflightRequestDeduplication: true``
  (``node/hive-gateway-dedupe.config.mjs``);
- ``hive-rust`` / ``hive-rust-dedupe``: both with ``--hive-router-runtime``, Hive Router's Rust
  query planner and executor runtime (``@graphql-hive/router-runtime``, pinned in
  ``node/package.json``), without ``--jit``: the JIT plugin replaces the execute function the
  router runtime installs and runs graphql-jit over the runtime's resolver-less schema, so every
  root field answers ``null`` with no error (2.15.1 + router-runtime 1.4.23; docs/perf.md).

Every gateway runs under ``taskset`` on the gateway core(s) and is started with
:class:`servicekit.processes.ManagedProcess`, so it is always stopped.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from benchmarks.tools import NODE_DIR
from servicekit.processes import ProcessSpec

__all__ = [
    "GATEWAYS",
    "REFERENCE_GATEWAYS",
    "ROUTER_GATEWAYS",
    "GatewayDef",
    "gateway_spec",
    "rewrite_subgraph_urls",
    "router_argv",
    "write_router_config",
]


@dataclass(frozen=True)
class GatewayDef:
    """How to start one gateway: argv from (supergraph file, port, work dir), readiness path."""

    name: str
    label: str
    argv: Callable[[Path, int, Path], list[str]]
    ready_path: str
    graphql_path: str = "/graphql"
    env: tuple[tuple[str, str], ...] = ()
    node: bool = False


def write_router_config(
    workdir: Path, *, deduplicate_inbound: bool, deduplicate_fetches: bool = True
) -> Path:
    """The router's YAML for the benchmark: production, no Redis (the others have none)."""
    suffix = "-dedupe" if deduplicate_inbound else "" if deduplicate_fetches else "-nodedup"
    path = workdir / f"router{suffix}.yaml"
    config: dict[str, object] = {
        "mode": "production",
        "deduplicate_inbound": deduplicate_inbound,
        "http": {"redis_url": None},
    }
    if not deduplicate_fetches:
        config["all_subgraphs"] = {"deduplicate_queries": False}
    path.write_text(yaml.safe_dump(config))
    return path


def _router_argv(
    dedupe: bool, fetches: bool = True, workers: int | None = None, router: Path | None = None
) -> Callable[[Path, int, Path], list[str]]:
    """``router``: the executable (default: this environment's; another checkout's for
    ``bench gateways --baseline``)."""

    def argv(supergraph: Path, port: int, workdir: Path) -> list[str]:
        config = write_router_config(
            workdir, deduplicate_inbound=dedupe, deduplicate_fetches=fetches
        )
        executable = router or Path(sys.executable).parent / "router"
        return [
            str(executable),
            "--supergraph",
            str(supergraph),
            "--config",
            str(config),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            *(["--workers", str(workers)] if workers else []),
        ]

    return argv


def _apollo_argv(supergraph: Path, port: int, _workdir: Path) -> list[str]:
    return ["node", str(NODE_DIR / "apollo-gateway.cjs"), str(supergraph), str(port)]


def _hive_argv(dedupe: bool, rust: bool = False) -> Callable[[Path, int, Path], list[str]]:
    def argv(supergraph: Path, port: int, _workdir: Path) -> list[str]:
        cli = NODE_DIR / "node_modules" / "@graphql-hive" / "gateway" / "dist" / "bin.js"
        command = ["node", str(cli), "supergraph", str(supergraph)]
        command += ["--host", "127.0.0.1", "--port", str(port), "--fork", "0"]
        # --jit compiles the JS runtime's execution; the Rust runtime executes its own plans and
        # with --jit on answers data: {users: null, topProducts: null} (see the docstring)
        command.append("--hive-router-runtime" if rust else "--jit")
        if dedupe:
            command += ["--config-path", str(NODE_DIR / "hive-gateway-dedupe.config.mjs")]
        return command

    return argv


_NODE_ENV = (("NODE_ENV", "production"),)
_APOLLO_READY = "/graphql?query=%7B__typename%7D"

GATEWAYS: dict[str, GatewayDef] = {
    "router": GatewayDef("router", "router (ours)", _router_argv(False), "/health"),
    "router-nodedup": GatewayDef(
        "router-nodedup", "router (ours), no dedupe at all", _router_argv(False, False), "/health"
    ),
    "router-dedupe": GatewayDef(
        "router-dedupe", "router (ours), dedupe on", _router_argv(True), "/health"
    ),
    # ``bench workers`` (issue #20): /ready answers only once every worker is up
    "router-1w": GatewayDef(
        "router-1w", "router, no dedupe, 1 worker", _router_argv(False, False, 1), "/ready"
    ),
    "router-2w": GatewayDef(
        "router-2w", "router, no dedupe, 2 workers", _router_argv(False, False, 2), "/ready"
    ),
    # the router's default (in-flight subgraph fetches shared): the Node subgraphs' share of
    # the cores falls from ~60% of one to a few percent, leaving them to the workers and wrk
    "router-default-1w": GatewayDef(
        "router-default-1w", "router (default), 1 worker", _router_argv(False, True, 1), "/ready"
    ),
    "router-default-2w": GatewayDef(
        "router-default-2w", "router (default), 2 workers", _router_argv(False, True, 2), "/ready"
    ),
    "apollo": GatewayDef(
        "apollo", "Apollo Gateway 2.14", _apollo_argv, _APOLLO_READY, env=_NODE_ENV, node=True
    ),
    "hive": GatewayDef(
        "hive", "Hive Gateway 2.15", _hive_argv(False), "/readiness", env=_NODE_ENV, node=True
    ),
    "hive-dedupe": GatewayDef(
        "hive-dedupe",
        "Hive Gateway 2.15, dedupe on",
        _hive_argv(True),
        "/readiness",
        env=_NODE_ENV,
        node=True,
    ),
    "hive-rust": GatewayDef(
        "hive-rust",
        "Hive Gateway 2.15, Rust planner",
        _hive_argv(False, rust=True),
        "/readiness",
        env=_NODE_ENV,
        node=True,
    ),
    "hive-rust-dedupe": GatewayDef(
        "hive-rust-dedupe",
        "Hive Gateway 2.15, Rust planner, dedupe on",
        _hive_argv(True, rust=True),
        "/readiness",
        env=_NODE_ENV,
        node=True,
    ),
}
_ROUTER_MODES = {
    "router": (False, True),
    "router-nodedup": (False, False),
    "router-dedupe": (True, True),
}


def router_argv(name: str, router: Path) -> Callable[[Path, int, Path], list[str]]:
    """The command line of router gateway ``name`` (one of :data:`ROUTER_GATEWAYS`), run by
    another ``router`` executable (:mod:`benchmarks.baseline`)."""
    dedupe, fetches = _ROUTER_MODES[name]
    return _router_argv(dedupe, fetches, router=router)


REFERENCE_GATEWAYS = ("apollo", "hive", "hive-rust", "hive-dedupe", "hive-rust-dedupe")
ROUTER_GATEWAYS = ("router-nodedup", "router", "router-dedupe")


def gateway_spec(
    gateway: GatewayDef, supergraph: Path, port: int, workdir: Path, cpus: str | None
) -> ProcessSpec:
    """A ProcessSpec pinned to ``cpus`` with taskset (the gateway's core)."""
    argv = gateway.argv(supergraph, port, workdir)
    if cpus:
        argv = ["taskset", "-c", cpus, *argv]
    return ProcessSpec(
        name=gateway.name,
        argv=argv,
        ready_url=f"http://127.0.0.1:{port}{gateway.ready_path}",
        env=dict(gateway.env),
        cwd=NODE_DIR if gateway.node else None,
    )


_GRAPH_URL = re.compile(r'(@join__graph\(name:\s*"(?P<name>[^"]+)",\s*url:\s*")(?P<url>[^"]*)(")')


def rewrite_subgraph_urls(supergraph_sdl: str, url_for: Callable[[str], str]) -> str:
    """Point each ``@join__graph(name:, url:)`` at the live subgraph (free ports at run time)."""

    def replace(match: re.Match[str]) -> str:
        return f"{match.group(1)}{url_for(match.group('name'))}{match.group(4)}"

    rewritten, count = _GRAPH_URL.subn(replace, supergraph_sdl)
    if count == 0:
        raise ValueError("no @join__graph(name:, url:) in the supergraph")
    return rewritten
