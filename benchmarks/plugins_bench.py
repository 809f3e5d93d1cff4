"""``python -m benchmarks.plugins_bench``: what the plugin hook points cost the router (issue #18),
as instructions per request counted by Valgrind's callgrind (the figure other processes on this
shared machine do not move; see :mod:`benchmarks.telemetry_instructions`).

Three routers serve the gateway benchmark's workload (The Guild's four subgraphs in one Node
process, the 87 KB query; production mode, no Redis), one after the other under callgrind:

- ``before``: the router of the base commit (``git merge-base HEAD main``, extracted with
  ``git archive`` and run from there): no hook points at all;
- ``none``: this tree, no plugin configured (the hook points' null path);
- ``examples``: this tree with the two example plugins (``tenant_guard``: ``on_request``,
  ``on_subgraph_request`` (the subgraph body is decoded and encoded again for the hook),
  ``on_response``; ``policy_evaluator``: ``on_operation``).

Every router must answer the same bytes (checked), so the figures compare the same work.
Callgrind counts of whole requests vary by 1-2 % between identical runs here (garbage
collection, hash seeds), more than the hook points cost; so :func:`null_path_ns` also times the
hook points' no-plugin path itself in this process: the endpoint's call around the core, the
gateway's two hook points and one per subgraph fetch.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml
from graphql import OperationDefinitionNode, parse

from benchmarks.gateway_bench import benchmark_supergraph, node_subgraphs, prepare_workload
from benchmarks.telemetry_instructions import callgrind_instructions
from router.plugins.chain import PluginChain, current_run
from router.plugins.hooks import operation_parsed, plan_built
from router.request import GraphQLRequest, GraphQLResponse
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT

__all__ = ["main", "null_path_ns", "plugin_costs"]

EXAMPLES: list[dict[str, object]] = [
    {"name": "tenant_guard"},
    {"name": "policy_evaluator", "config": {"policies": {}}},
]


def _base_tree(workdir: Path) -> Path:
    base = subprocess.run(
        ["git", "merge-base", "HEAD", "main"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    tree = workdir / f"base-{base[:10]}"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "archive", base, "router", "servicekit"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


@dataclass(frozen=True)
class _Router:
    """One router to measure: its code tree (``cwd``, first on ``sys.path`` under ``-m``)."""

    name: str
    tree: Path
    plugins: tuple[dict[str, object], ...] = ()

    def argv(self, supergraph: Path, workdir: Path, port: int) -> list[str]:
        config = workdir / f"{self.name}.yaml"
        document: dict[str, object] = {"mode": "production", "http": {"redis_url": None}}
        if self.plugins:
            document["plugins"] = list(self.plugins)
        config.write_text(yaml.safe_dump(document))
        argv = [sys.executable, "-m", "router.cli", "--supergraph", str(supergraph)]
        return [*argv, "--config", str(config), "--port", str(port), "--log-level", "warning"]

    @property
    def env(self) -> dict[str, str]:
        return {"PYTHONPATH": str(self.tree)} if self.tree != PROJECT_ROOT else {}

    def answer(self, supergraph: Path, workdir: Path, body: bytes) -> bytes:
        port = free_port()
        argv = self.argv(supergraph, workdir, port)
        ready = f"http://127.0.0.1:{port}/health"
        spec = ProcessSpec(f"answer-{self.name}", argv, ready, env=self.env, cwd=self.tree)
        with ManagedProcess(spec, log_path=workdir / f"answer-{self.name}.log"):
            headers = {"content-type": "application/json", "accept": "application/json"}
            url = f"http://127.0.0.1:{port}/graphql"
            return httpx.post(url, content=body, headers=headers, timeout=120).content


def plugin_costs(requests: int) -> dict[str, float]:
    """Millions of instructions per request of each router."""
    body, _ = prepare_workload()
    with tempfile.TemporaryDirectory(prefix="plugins-bench-") as temporary:
        workdir = Path(temporary)
        routers = [
            _Router("before", _base_tree(workdir)),
            _Router("none", PROJECT_ROOT),
            _Router("examples", PROJECT_ROOT, tuple(EXAMPLES)),
        ]
        with node_subgraphs(workdir, None) as subgraphs:
            supergraph = benchmark_supergraph(workdir, subgraphs)
            answers = {r.name: r.answer(supergraph, workdir, body) for r in routers}
            if len(set(answers.values())) != 1:
                raise RuntimeError(f"the routers answer differently: {sorted(answers)}")
            costs: dict[str, float] = {}
            for router in routers:
                port = free_port()
                costs[router.name] = callgrind_instructions(
                    router.name,
                    router.argv(supergraph, workdir, port),
                    port,
                    env=router.env,
                    body=body,
                    workdir=workdir,
                    requests=requests,
                    cwd=router.tree,
                )
    return costs


class _Core:
    async def execute(self, request: GraphQLRequest) -> GraphQLResponse:
        return GraphQLResponse(data=None)


def null_path_ns(fetches: int = 4, repeat: int = 20_000) -> dict[str, float]:
    """Nanoseconds per request of the hook points with no plugin configured, beside the bare
    core call they wrap: ``with_hooks - bare`` is what zero plugins cost (``fetches`` subgraph
    fetches per request: the benchmark query makes 4 fetch nodes)."""
    chain, core = PluginChain(), _Core()
    request = GraphQLRequest("{ a }")
    node = parse("query Q { a }").definitions[0]
    if not isinstance(node, OperationDefinitionNode):
        raise TypeError("not an operation")
    document = parse("query Q { a }")

    async def bare() -> None:
        for _ in range(repeat):
            await core.execute(request)

    async def with_hooks() -> None:
        for _ in range(repeat):
            await chain.execute(core, request, method="POST", path="/graphql", headers=None)
            await operation_parsed(node, document, {}, ())
            await plan_built(None, "Q")
            for _ in range(fetches):
                current_run()

    timings: dict[str, float] = {}
    for name, body in (("bare", bare), ("with_hooks", with_hooks)):
        best = min(_timed(body) for _ in range(5))
        timings[name] = best / repeat * 1e9
    timings["hooks_only"] = timings["with_hooks"] - timings["bare"]
    return timings


def _timed(body: Callable[[], Coroutine[None, None, None]]) -> float:
    started = time.process_time()  # CPU time: the machine is shared and loaded
    asyncio.run(body())
    return time.process_time() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--null-path-only", action="store_true")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    null_path = {k: round(v, 1) for k, v in null_path_ns().items()}
    if args.null_path_only:
        print(json.dumps({"load_average": [round(x, 2) for x in load], "null_path_ns": null_path}))
        return
    costs = plugin_costs(args.requests)
    base = costs["before"]
    report = {
        "load_average": [round(x, 2) for x in load],
        "requests": args.requests,
        "million_instructions_per_request": {k: round(v, 3) for k, v in costs.items()},
        "ratio_to_before": {k: round(v / base, 4) for k, v in costs.items()},
        "null_path_ns": null_path,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
