"""Requests/s of 1 and 2 router processes behind HAProxy (issue #19), in one run.

Four subgraphs (the benchmark query's) start seeded (``tests/support/stack.py``, as
``bench stack`` does), two routers on the committed supergraph, and one HAProxy
(``devstack/haproxy.py``) with two frontends: ``one`` balances over router 1 only, ``two`` over
both. wrk sends the benchmark query to each frontend in alternating rounds and checks every body
against the answer a router gave before the rounds. Reported per frontend: requests/s, errors,
latency, and the routers' CPU per request (from /proc, over the routers' process groups), with
the machine's load average, since on a shared 2-core machine the subgraphs and other processes
take the same cores: the second router can only help as far as a core is idle.

    python -m benchmarks.lb_bench [--seconds 10] [--rounds 2] [--connections 8]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from benchmarks.procstat import group_usage
from benchmarks.workload import QUERY_PATH, request_body
from benchmarks.wrkrun import run_wrk, wrk_argv
from devstack.haproxy import Backend, haproxy_config, haproxy_program
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT

__all__ = ["main", "run_lb_benchmark"]

SUBGRAPHS = ["accounts", "products", "inventory", "reviews"]


def _router(tmp: Path, name: str, urls: dict[str, str]) -> tuple[ManagedProcess, int]:
    from devstack.services import _program

    port = free_port()
    argv = [_program("router") or "router", "--supergraph", "schema/supergraph.graphql"]
    argv += [f"--subgraph-url={n}={urls[n]}" for n in SUBGRAPHS]
    argv += ["--prod", "--host", "127.0.0.1", "--port", str(port)]
    spec = ProcessSpec(
        name, argv, f"http://127.0.0.1:{port}/ready", env={"ROUTER_CONFIG": ""}, cwd=PROJECT_ROOT
    )
    return ManagedProcess(spec, log_path=tmp / f"{name}.log"), port


def run_lb_benchmark(seconds: float, rounds: int, connections: int) -> dict[str, Any]:
    from tests.support.stack import running_stack

    program = haproxy_program()
    if program is None:
        raise RuntimeError("HAProxy (Debian package haproxy) is not installed")
    with (
        tempfile.TemporaryDirectory(prefix="lb-bench-") as folder,
        running_stack(Path(folder), SUBGRAPHS) as stack,
    ):
        tmp = Path(folder)
        routers = [_router(tmp, f"router-{i}", stack.urls) for i in (1, 2)]
        fronts = {"one": free_port(), "two": free_port()}
        monitor = free_port()
        ports = [port for _, port in routers]
        config = tmp / "haproxy.cfg"
        config.write_text(
            haproxy_config(
                {"one": Backend(fronts["one"], ports[:1]), "two": Backend(fronts["two"], ports)},
                monitor_port=monitor,
            )
        )
        haproxy = ManagedProcess(
            ProcessSpec(
                "haproxy", [program, "-f", str(config), "-db"], f"http://127.0.0.1:{monitor}/ready"
            ),
            log_path=tmp / "haproxy.log",
        )
        results: dict[str, list[dict[str, Any]]] = {"one": [], "two": []}
        try:
            for router, _ in routers:
                router.start(ready_timeout_seconds=120)
            with haproxy.start(ready_timeout_seconds=30):
                body = request_body(QUERY_PATH.read_text())
                body_file, expected_file = tmp / "body.json", tmp / "expected.json"
                body_file.write_bytes(body)
                answer = httpx.post(
                    f"http://127.0.0.1:{ports[0]}/graphql",
                    content=body,
                    headers={"content-type": "application/json"},
                    timeout=60,
                )
                expected_file.write_bytes(answer.content)
                for name in ("one", "two"):  # warm both routers' caches
                    url = f"http://127.0.0.1:{fronts[name]}/graphql"
                    run_wrk(
                        wrk_argv(url, connections=connections, duration_seconds=2),
                        body_file=body_file,
                        expected_file=expected_file,
                        deadline_seconds=60,
                    )
                for index in range(rounds):
                    order = ("one", "two") if index % 2 == 0 else ("two", "one")
                    for name in order:
                        url = f"http://127.0.0.1:{fronts[name]}/graphql"
                        groups = [r.pid for r, _ in routers if r.pid is not None]
                        before = sum(group_usage(pgid).cpu_seconds for pgid in groups)
                        result = run_wrk(
                            wrk_argv(url, connections=connections, duration_seconds=seconds),
                            body_file=body_file,
                            expected_file=expected_file,
                            deadline_seconds=seconds + 60,
                        )
                        cpu = sum(group_usage(pgid).cpu_seconds for pgid in groups) - before
                        results[name].append(
                            {
                                **result.to_json(),
                                "router_cpu_ms_per_request": 1000 * cpu / max(result.requests, 1),
                                "load_average_1m": os.getloadavg()[0],
                            }
                        )
        finally:
            for router, _ in routers:
                router.stop()
    return {"connections": connections, "seconds": seconds, "cpus": os.cpu_count(), **results}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lb_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args(argv)
    report = run_lb_benchmark(args.seconds, args.rounds, args.connections)
    print(json.dumps(report, indent=2))
    for name in ("one", "two"):
        for run in report[name]:
            print(
                f"{name} router(s): {run['requests_per_second']:.1f} req/s, "
                f"errors {run['errors']}, p50 {run['p50_ms']:.0f} ms, p99 {run['p99_ms']:.0f} ms, "
                f"router CPU {run['router_cpu_ms_per_request']:.1f} ms/request, "
                f"load {run['load_average_1m']:.1f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
