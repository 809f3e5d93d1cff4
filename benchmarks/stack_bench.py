"""``bench stack``: the gateways in front of our own Python subgraphs (the whole stack).

The five subgraphs from ``subgraphs/`` start seeded (SQLite, ``tests/support/stack.py``) and are
pinned to the load core; the supergraph is composed at run time by ``router.composition`` from
the registry's SDLs (``schema/subgraphs``), so it follows the subgraphs as they change. There is
no static oracle here: the expected answer is Apollo Gateway's (the reference implementation),
or Hive Gateway's when Apollo Gateway refuses the supergraph (it rejects ``@link``s
``for: SECURITY`` such as ``@requiresScopes``), taken once before the rounds and required to be
free of errors; every gateway must then answer exactly that.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from benchmarks.gateway_bench import print_progress, summarize
from benchmarks.gateways import GATEWAYS, gateway_spec, rewrite_subgraph_urls
from benchmarks.runner import LoadOptions, SubgraphSet, run_rounds, startup_error
from benchmarks.tools import ensure_node_modules, ensure_wrk
from benchmarks.workload import QUERY_PATH, request_body
from servicekit.processes import ManagedProcess, free_port

__all__ = ["compose_registry_supergraph", "reference_answer", "run_stack_benchmark"]


def compose_registry_supergraph() -> str:
    """The supergraph of the registered subgraphs, or a RuntimeError naming what does not compose."""
    from router.composition import SubgraphInput, compose
    from servicekit.topology import load_subgraphs

    entries = load_subgraphs()
    result = compose(
        [SubgraphInput(e.name, e.routing_url, e.schema_file.read_text()) for e in entries]
    )
    if not result.ok or result.supergraph_sdl is None:
        problems = "; ".join(f"{e.code}: {e.message}" for e in result.errors[:5])
        raise RuntimeError(f"schema/subgraphs do not compose: {problems}")
    return result.supergraph_sdl


def reference_answer(supergraph: Path, body: bytes, workdir: Path) -> tuple[str, dict[str, Any]]:
    """The first reference gateway's answer (Apollo Gateway, else Hive Gateway when Apollo's
    refuses the supergraph), which must carry data and no errors: (gateway, answer)."""
    failures = []
    for name in ("apollo", "hive"):
        port = free_port()
        spec = gateway_spec(GATEWAYS[name], supergraph, port, workdir, None)
        process = ManagedProcess(spec, log_path=workdir / f"{name}-reference.log")
        try:
            process.start(ready_timeout_seconds=90)
        except RuntimeError as error:
            failures.append(f"{name}: {startup_error(str(error))}")
            continue
        try:
            response = httpx.post(
                f"http://127.0.0.1:{port}/graphql",
                content=body,
                headers={"content-type": "application/json"},
                timeout=120,
            )
        finally:
            process.stop()
        answer: dict[str, Any] = response.json()
        if response.status_code == 200 and not answer.get("errors") and answer.get("data"):
            return name, answer
        failures.append(f"{name}: answer not clean: {json.dumps(answer)[:300]}")
    raise RuntimeError(f"no reference answer: {'; '.join(failures)}")


def _pin(pid: int, cpus: str | None) -> None:
    """Move every thread of a running process to ``cpus`` (the subgraphs share wrk's core)."""
    if cpus:
        subprocess.run(
            ["taskset", "-a", "-p", "-c", cpus, str(pid)], capture_output=True, check=False
        )


@contextmanager
def python_subgraphs(workdir: Path, cpus: str | None) -> Iterator[SubgraphSet]:
    """The five seeded Python subgraphs on free ports, pinned to ``cpus``; always stopped."""
    from tests.support.stack import running_stack

    with running_stack(workdir) as stack:
        pids = [p.pid for p in stack.processes.values() if p.pid]
        for pid in pids:
            _pin(pid, cpus)
        yield SubgraphSet(dict(stack.urls), pids)


def run_stack_benchmark(gateways: Sequence[str], rounds: int, options: LoadOptions) -> str:
    """Compose, start the stack, take the reference answer, run the rounds, print the table."""
    ensure_wrk()
    ensure_node_modules()
    template = compose_registry_supergraph()
    body = request_body(QUERY_PATH.read_text())
    with tempfile.TemporaryDirectory(prefix="bench-stack-") as tmp:
        workdir = Path(tmp)
        with python_subgraphs(workdir, options.load_cpus) as subgraphs:
            reference = workdir / "reference-supergraph.graphql"
            reference.write_text(rewrite_subgraph_urls(template, lambda n: subgraphs.urls[n]))
            source, expected = reference_answer(reference, body, workdir)
            size = len(json.dumps(expected, separators=(",", ":")))
            print(
                f"bench stack: {', '.join(gateways)}; reference answer ({source}) {size:,} bytes",
                flush=True,
            )
            measurements = run_rounds(
                gateways,
                rounds,
                supergraph_template=template,
                body=body,
                expected=expected,
                workdir=workdir,
                subgraphs=subgraphs,
                options=options,
                report=print_progress,
            )
    settings = {
        "gateways": list(gateways),
        "rounds": rounds,
        "reference_answer_from": source,
        **options.__dict__,
    }
    return summarize("stack", measurements, settings)
