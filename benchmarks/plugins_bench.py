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
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from benchmarks.gateway_bench import node_subgraphs, prepare_workload
from benchmarks.gateways import rewrite_subgraph_urls
from benchmarks.telemetry_instructions import callgrind_instructions
from benchmarks.workload import SUPERGRAPH_PATH
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT

__all__ = ["main", "plugin_costs"]

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
            supergraph = workdir / "supergraph.graphql"
            supergraph.write_text(
                rewrite_subgraph_urls(SUPERGRAPH_PATH.read_text(), lambda n: subgraphs.urls[n])
            )
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args(argv)
    load = os.getloadavg()
    costs = plugin_costs(args.requests)
    base = costs["before"]
    report = {
        "load_average": [round(x, 2) for x in load],
        "requests": args.requests,
        "million_instructions_per_request": {k: round(v, 3) for k, v in costs.items()},
        "ratio_to_before": {k: round(v / base, 4) for k, v in costs.items()},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
