"""``bench telemetry --instructions``: instructions per request of each telemetry variant, counted
by Valgrind's callgrind: the one figure on a shared, overloaded machine that other processes do
not move (CPU time per request varies by a third between identical runs here).

Each router (the variants of :mod:`benchmarks.telemetry_bench`) runs under
``valgrind --tool=callgrind --instr-atstart=no``; after five warm-up requests and the batch
exporter's schedule delay, ``callgrind_control -i on`` starts counting, ``requests`` sequential
requests are served, the schedule delay passes again (their spans are encoded and exported while
counting), and ``callgrind_control -i off`` stops. Every thread of the router counts (the
exporter's too); the trace sink and the subgraphs run outside Valgrind. Instructions are not
time (cache misses and the GIL are not in them), so they complement CPU per request, not replace
it. Needs Debian's ``valgrind``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

from benchmarks.gateways import GATEWAYS
from benchmarks.telemetry_bench import Variant
from servicekit.processes import ManagedProcess, ProcessSpec, free_port

__all__ = ["callgrind_instructions", "callgrind_outputs", "instructions_per_request"]

_FLUSH_SECONDS = 6.0
"""The SDK's default ``OTEL_BSP_SCHEDULE_DELAY`` (5 s) and a margin."""


def callgrind_outputs(workdir: Path, name: str) -> list[Path]:
    """The callgrind files :func:`callgrind_instructions` wrote for ``name`` (one per process),
    for ``callgrind_annotate``."""
    prefix = workdir / f"callgrind-{name}.out"
    return sorted(prefix.parent.glob(f"{prefix.name}.*"))


def _callgrind_total(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith(("totals:", "summary:")):
                total = max(total, int(line.split()[1]))
    return total


def _toggle(pid: int, on: bool) -> None:
    subprocess.run(
        ["callgrind_control", "-i", "on" if on else "off", str(pid)],
        check=True,
        capture_output=True,
        timeout=120,
    )


def instructions_per_request(
    variant: Variant,
    supergraph: Path,
    sink_url: str | None,
    body: bytes,
    workdir: Path,
    *,
    requests: int = 30,
) -> float:
    """Millions of instructions the router executes per request in ``variant``."""
    env = dict(variant.env)
    if variant.exports:
        if sink_url is None:
            raise ValueError(f"{variant.name} exports spans: a sink URL is needed")
        env |= {
            "OTEL_EXPORTER_OTLP_ENDPOINT": sink_url,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        }
    port = free_port()
    argv = GATEWAYS["router"].argv(supergraph, port, workdir)
    return callgrind_instructions(
        variant.name,
        argv,
        port,
        env=env,
        body=body,
        workdir=workdir,
        requests=requests,
        settle=_FLUSH_SECONDS,
    )


def callgrind_instructions(
    name: str,
    argv: list[str],
    port: int,
    *,
    env: dict[str, str],
    body: bytes,
    workdir: Path,
    requests: int = 30,
    settle: float = 0.0,
    cwd: Path | None = None,
) -> float:
    """Millions of instructions per request of the server ``argv`` (listening on ``port``)
    under callgrind: five warm-up requests, then ``requests`` counted (``settle`` seconds of
    background work after each batch counted too). Also used by ``benchmarks.plugins_bench``."""
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise RuntimeError("valgrind is not installed (apt-get install -y valgrind)")
    output = workdir / f"callgrind-{name}.out"
    argv = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={output}.%p",
        *argv,
    ]
    ready = f"http://127.0.0.1:{port}/health"
    spec = ProcessSpec(f"callgrind-{name}", argv, ready, env=env, cwd=cwd)
    process = ManagedProcess(spec, log_path=workdir / f"callgrind-{name}.log")
    process.start(ready_timeout_seconds=900)
    try:
        url = f"http://127.0.0.1:{port}/graphql"
        headers = {"content-type": "application/json", "accept": "application/json"}
        with httpx.Client(timeout=600) as client:

            def serve(count: int) -> None:
                for _ in range(count):
                    answer = client.post(url, content=body, headers=headers)
                    if answer.status_code != 200:
                        raise RuntimeError(f"{name}: status {answer.status_code}")

            serve(5)
            time.sleep(settle)  # the warm-up's background work ends before counting starts
            _toggle(process.pid or 0, True)
            serve(requests)
            time.sleep(settle)  # the measured requests' background work is counted
            _toggle(process.pid or 0, False)
    finally:
        process.stop(grace_seconds=120)
    total = _callgrind_total(callgrind_outputs(workdir, name))
    if total == 0:
        raise RuntimeError(f"{name}: no callgrind totals in {output}.*: {sys.argv}")
    return total / requests / 1e6


def main(argv: list[str] | None = None) -> int:
    """Instruction counts alone (no load windows): ``python -m benchmarks.telemetry_instructions
    [--variants off,traced] [--requests 30] [--keep DIR]``; ``--keep`` copies the callgrind
    files there for ``callgrind_annotate``."""
    import argparse
    import tempfile
    from contextlib import ExitStack

    from benchmarks.gateway_bench import benchmark_supergraph, node_subgraphs, prepare_workload
    from benchmarks.telemetry_bench import BASE, variants

    parser = argparse.ArgumentParser(prog="telemetry_instructions", description=__doc__)
    parser.add_argument("--variants", default="off,metrics,traced,sampled")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--sample-ratio", type=float, default=0.1)
    parser.add_argument("--keep", type=Path, default=None, help="copy callgrind files here")
    args = parser.parse_args(argv)
    wanted = [name.strip() for name in args.variants.split(",") if name.strip()]
    chosen = [v for v in variants(args.sample_ratio) if v.name in wanted]
    body, _ = prepare_workload()
    counted: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="telemetry-instr-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        supergraph = benchmark_supergraph(
            workdir, stack.enter_context(node_subgraphs(workdir, "1"))
        )
        for variant in chosen:
            sink_url = None
            if variant.exports:
                port = free_port()
                sink_url = f"http://127.0.0.1:{port}"
                sink_argv = [str(Path(sys.executable).parent / "trace-sink"), "--port", str(port)]
                sink = ManagedProcess(
                    ProcessSpec(f"sink-{variant.name}", sink_argv, f"{sink_url}/api/traces"),
                    log_path=workdir / f"sink-{variant.name}.log",
                )
                sink.start(ready_timeout_seconds=120)
                stack.callback(sink.stop)
            counted[variant.name] = instructions_per_request(
                variant, supergraph, sink_url, body, workdir, requests=args.requests
            )
            print(f"  {variant.name:8} {counted[variant.name]:.3f} M instructions/request")
            if args.keep is not None:
                args.keep.mkdir(parents=True, exist_ok=True)
                for path in callgrind_outputs(workdir, variant.name):
                    shutil.copy(path, args.keep / path.name)
    base = counted.get(BASE)
    for name, value in counted.items():
        ratio = f" ({value / base:.3f}x off)" if base else ""
        print(f"{name:8} {value:.3f} M{ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
