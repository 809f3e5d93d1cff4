"""``bench profile`` (issue #20): where the router's CPU goes on the gateway benchmark's workload.

    python -m benchmarks.profile_router [--seconds 20] [--mode nodedup|fetch] [--top 15]
    python -m benchmarks.profile_router --instructions [--requests 30] [--mode ...] [--top 15]

The benchmark subgraphs and wrk (50 connections, the 87,549-byte answer) on core 1, one router
worker on core 0 with every deduplication off (``router-nodedup``, the mode where each request
pays its full cost), sampled by py-spy (``record --format raw``, 250 Hz, idle frames dropped,
GIL holder only) while under load. Prints the functions with the most samples of their own
(self) and with the most samples below them (inclusive), as shares of all samples.

``--instructions``: the steady figure on a loaded machine instead: the router under Valgrind's
callgrind (:func:`benchmarks.telemetry_instructions.callgrind_instructions`), ``--requests``
sequential requests counted after a warm-up; prints millions of instructions per request and
``callgrind_annotate``'s top entries (C level: the interpreter, orjson, the event loop).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from benchmarks.gateway_bench import benchmark_supergraph, node_subgraphs, prepare_workload
from benchmarks.gateways import GATEWAYS, gateway_spec
from benchmarks.runner import LoadOptions, _load
from benchmarks.telemetry_instructions import callgrind_instructions, callgrind_outputs
from router.native import describe
from servicekit.processes import ManagedProcess, free_port

__all__ = ["count_instructions", "main", "top_functions"]

_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^:()]*)(?::\d+)?\)$")


def _function(frame: str) -> str:
    """``function (path/file.py:line)`` → ``function (file.py)``: lines of one function merge."""
    found = _FRAME.match(frame.strip())
    if not found:
        return frame.strip()
    path = found.group("file")
    short = "/".join(path.split("/")[-2:]) if "site-packages" in path or "/" in path else path
    return f"{found.group('function')} ({short})"


def top_functions(raw: str, count: int) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]]]:
    """Total samples, the top ``count`` by self samples and by inclusive samples."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, samples = line.rpartition(" ")
        if not stack or not samples.isdigit():
            continue
        weight = int(samples)
        total += weight
        frames = [_function(frame) for frame in stack.split(";")]
        own[frames[-1]] += weight
        for name in set(frames):
            inclusive[name] += weight
    return total, own.most_common(count), inclusive.most_common(count)


def count_instructions(gateway_name: str, requests: int, top: int) -> tuple[float, str]:
    """Millions of instructions per request of ``gateway_name`` on the gateway workload and
    ``callgrind_annotate``'s report (its ``top`` entries, inclusive of nothing: self cost)."""
    body, _ = prepare_workload()
    gateway = GATEWAYS[gateway_name]
    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as tmp:
        workdir = Path(tmp)
        with node_subgraphs(workdir, None) as subgraphs:
            supergraph = benchmark_supergraph(workdir, subgraphs)
            port = free_port()
            argv = gateway.argv(supergraph, port, workdir)
            millions = callgrind_instructions(
                gateway.name,
                argv,
                port,
                env=dict(gateway.env),
                body=body,
                workdir=workdir,
                requests=requests,
            )
        outputs = [str(path) for path in callgrind_outputs(workdir, gateway.name)]
        annotated = subprocess.run(
            ["callgrind_annotate", *outputs],
            check=True,
            capture_output=True,
            text=True,
            timeout=600,
        ).stdout
    lines = annotated.splitlines()
    start = next((i for i, line in enumerate(lines) if "file:function" in line), 0)
    report = [line for line in lines[start + 1 :] if line.strip()][:top]
    return millions, "\n".join(report)


_MODES = {"nodedup": "router-nodedup", "fetch": "router", "inbound": "router-dedupe"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench profile", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--mode",
        choices=sorted(_MODES),
        default="nodedup",
        help="nodedup: every deduplication off; fetch: the default (in-flight fetches shared); "
        "inbound: inbound deduplication on too (sampling only: sequential requests share nothing)",
    )
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count instructions per request under callgrind instead of sampling with py-spy",
    )
    parser.add_argument("--requests", type=int, default=30, help="counted requests (callgrind)")
    args = parser.parse_args(argv)
    name = _MODES[args.mode]
    print(f"router hot modules: {describe()}")  # issue #20: `make native`, ROUTER_PURE_PYTHON=1
    if args.instructions:
        millions, report = count_instructions(name, args.requests, args.top)
        print(f"{name}: {millions:.3f} M instructions per request ({args.requests} requests)")
        print(report)
        return 0
    body, _ = prepare_workload()
    gateway = GATEWAYS[name]
    options = LoadOptions(duration_seconds=args.seconds, gateway_cpus="0", load_cpus="1")
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        workdir = Path(tmp)
        with node_subgraphs(workdir, "1") as subgraphs:
            supergraph = benchmark_supergraph(workdir, subgraphs)
            port = free_port()
            spec = gateway_spec(gateway, supergraph, port, workdir, "0")
            body_file = workdir / "body.json"
            body_file.write_bytes(body)
            url = f"http://127.0.0.1:{port}/graphql"
            with ManagedProcess(spec, log_path=workdir / "router.log").start(
                ready_timeout_seconds=120
            ) as router:
                _load(url, body_file, None, 3.0, options)  # warm-up: plans and documents cached
                raw = workdir / "profile.txt"
                command = [str(Path(sys.executable).parent / "py-spy"), "record", "--gil"]
                command += ["--format", "raw", "--rate", "250", "--nonblocking"]
                command += ["--duration", str(int(args.seconds)), "--pid", str(router.pid)]
                spy = subprocess.Popen(
                    [*command, "--output", str(raw)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                result = _load(url, body_file, None, args.seconds, options)
                spy.wait(timeout=args.seconds + 60)
                text = raw.read_text()
    total, own, inclusive = top_functions(text, args.top)
    print(f"py-spy, {total} samples over {args.seconds:.0f} s, {result.requests} requests")
    print("self:")
    for name, samples in own:
        print(f"  {100 * samples / total:5.1f}%  {name}")
    print("inclusive:")
    for name, samples in inclusive:
        print(f"  {100 * samples / total:5.1f}%  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
