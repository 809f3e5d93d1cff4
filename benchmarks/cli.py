"""``bench``: the benchmarks, one subcommand each (see benchmarks/README.md).

bench gateways [--gateways router,apollo,hive,...] [--rounds N] [--duration S] ...
bench stack        the same gateways in front of our own Python subgraphs (seeded)
bench planning     cold and warm planning time (benchmark query, generated 50-subgraph graph)
bench memory       router RSS over 10,000 mixed requests
bench rejection    cheap { __typename } p99 while the worst accepted documents arrive; refusals
bench telemetry    router CPU/request: telemetry off, metrics, traced (100%, sampled 10%)
bench composition  / bench bff   the standalone modules others maintain, when present
bench workers / bench bff-workers   1 worker against 2 (router; each BFF), issue #20
bench cache        response cache off/cold/warm, plan warm-up after a restart (issue #17)
bench all          everything above in turn (what ``make bench`` runs)
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import signal
import sys
from collections.abc import Callable, Sequence

from benchmarks.baseline import BASELINE_REV
from benchmarks.gateways import GATEWAYS, ROUTER_GATEWAYS
from benchmarks.runner import LoadOptions

__all__ = ["main", "parse_args"]

DEFAULT_GATEWAYS = (
    "router-nodedup,router,router-dedupe,apollo,hive,hive-rust,hive-dedupe,hive-rust-dedupe"
)
_EXTERNAL = {
    "composition": "benchmarks.composition_bench",
    "bff": "benchmarks.bff_bench",
    "saga": "benchmarks.saga_bench",
    "cache": "benchmarks.cache_bench",  # issue #17: response cache off/cold/warm, plan warm-up
    "workers": "benchmarks.workers_bench",
    "bff-workers": "benchmarks.bff_workers_bench",  # issue #20: the web BFF, 1 worker vs 2
    "startup": "benchmarks.startup_bench",
    "profile": "benchmarks.profile_router",
}


def _load_options(parser: argparse.ArgumentParser) -> None:
    two_cores = (os.cpu_count() or 1) >= 2
    parser.add_argument(
        "--gateways", default=DEFAULT_GATEWAYS, help=f"comma list of {sorted(GATEWAYS)}"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="rounds, order alternating (default 2)"
    )
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load per run")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of warm-up load per run")
    parser.add_argument("--connections", type=int, default=50, help="keep-alive connections")
    parser.add_argument(
        "--gateway-cpus", default="0" if two_cores else None, help="taskset list for the gateway"
    )
    parser.add_argument(
        "--load-cpus", default="1" if two_cores else None, help="taskset list for wrk and subgraphs"
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    helps = {
        "gateways": "router vs Apollo Gateway and Hive Gateway on the benchmark subgraphs",
        "stack": "the same gateways in front of our seeded Python subgraphs",
        "all": "every benchmark in turn (make bench)",
    }
    for name, text in helps.items():
        sub = commands.add_parser(name, help=text)
        _load_options(sub)
        if name != "stack":
            sub.add_argument(
                "--baseline",
                default=BASELINE_REV if name == "all" else "",
                help="also measure the router of this commit in the same run, in every mode "
                f"(`make bench`: {BASELINE_REV[:7]}, main when issue #20 was filed; '' for none)",
            )
    telemetry = commands.add_parser("telemetry", help="the router's cost of metrics and traces")
    _load_options(telemetry)
    telemetry.set_defaults(rounds=6, duration=8.0)
    telemetry.add_argument(
        "--sample-ratio", type=float, default=0.1, help="the sampled router's ratio (0.1)"
    )
    telemetry.add_argument(
        "--instructions",
        action="store_true",
        help="also count instructions per request under valgrind's callgrind (~2 min a variant)",
    )
    report = commands.add_parser("report", help="re-render the table of a saved results file")
    report.add_argument("file", nargs="?", default="benchmarks/results/gateways-latest.json")
    planning = commands.add_parser("planning", help="planning time, cold and warm")
    planning.add_argument("--repeat", type=int, default=20, help="warm repetitions")
    rejection = commands.add_parser("rejection", help="event-loop blocking by hostile documents")
    rejection.add_argument("--seconds", type=float, default=10.0, help="seconds under attack")
    memory = commands.add_parser("memory", help="router RSS over many requests")
    memory.add_argument("--requests", type=int, default=10_000)
    memory.add_argument("--concurrency", type=int, default=10)
    for name in _EXTERNAL:
        commands.add_parser(name, help=f"bench {name} (its own module)").add_argument(
            "rest", nargs=argparse.REMAINDER
        )
    # REMAINDER does not take options that come first (`bench saga --orders 300`): pass them on.
    args, extra = parser.parse_known_args(argv)
    if args.command in _EXTERNAL:
        args.rest = [*extra, *args.rest]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _options(args: argparse.Namespace) -> tuple[list[str], int, LoadOptions]:
    gateways = [g.strip() for g in args.gateways.split(",") if g.strip()]
    options = LoadOptions(
        connections=args.connections,
        duration_seconds=args.duration,
        warmup_seconds=args.warmup,
        gateway_cpus=args.gateway_cpus or None,
        load_cpus=args.load_cpus or None,
    )
    return gateways, args.rounds, options


def _gateways(args: argparse.Namespace) -> int:
    from benchmarks.baseline import add_baseline
    from benchmarks.gateway_bench import run_gateway_benchmark

    gateways, rounds, options = _options(args)
    if args.baseline:  # before and after in one run (issue #20)
        gateways += add_baseline(args.baseline, [g for g in gateways if g in ROUTER_GATEWAYS])
    print(run_gateway_benchmark(gateways, rounds, options))
    return 0


def _stack(args: argparse.Namespace) -> int:
    from benchmarks.stack_bench import run_stack_benchmark

    print(run_stack_benchmark(*_options(args)))
    return 0


def _telemetry(args: argparse.Namespace) -> int:
    from benchmarks.telemetry_bench import run_telemetry_benchmark

    _, rounds, options = _options(args)
    ratio = getattr(args, "sample_ratio", 0.1)  # ``bench all`` has no such option
    counted = getattr(args, "instructions", False)
    print(run_telemetry_benchmark(rounds, options, sample_ratio=ratio, instructions=counted))
    return 0


def _report(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from benchmarks.report import aggregate, format_table, measurements_from_json, ratios

    document = json.loads(Path(args.file).read_text())
    measurements = measurements_from_json(document)
    machine = document.get("machine", {})
    print(f"{document.get('kind')} on {document.get('date')}: {machine}")
    print(format_table(aggregate(measurements), ratios(measurements)))
    return 0


def _planning(args: argparse.Namespace) -> int:
    from benchmarks.planning_bench import run_planning_benchmark

    print(run_planning_benchmark(repeat=getattr(args, "repeat", 20)))
    return 0


def _memory(args: argparse.Namespace) -> int:
    from benchmarks.memory_bench import run_memory_benchmark

    print(
        run_memory_benchmark(
            requests=getattr(args, "requests", 10_000),
            concurrency=getattr(args, "concurrency", 10),
        )
    )
    return 0


def _rejection(args: argparse.Namespace) -> int:
    from benchmarks.rejection_bench import run_rejection_benchmark

    print(run_rejection_benchmark(seconds=getattr(args, "seconds", 10.0)))
    return 0


def _external(name: str, rest: Sequence[str]) -> int:
    """Run another engineer's standalone module through its own ``main(argv)``."""
    module_name = _EXTERNAL[name]
    if importlib.util.find_spec(module_name) is None:
        print(f"bench {name}: {module_name} is not present yet, skipped")
        return 0
    module = importlib.import_module(module_name)
    entry: Callable[..., int | None] = module.main
    return int(entry(list(rest)) or 0)


def _all(args: argparse.Namespace) -> int:
    status = 0
    steps: list[tuple[str, Callable[[], int]]] = [
        ("gateways", lambda: _gateways(args)),
        ("stack", lambda: _stack(args)),
        ("planning", lambda: _planning(args)),
        ("memory", lambda: _memory(args)),
        ("rejection", lambda: _rejection(args)),
        ("telemetry", lambda: _telemetry(args)),
        ("composition", lambda: _external("composition", [])),
        ("bff", lambda: _external("bff", [])),
        ("saga", lambda: _external("saga", [])),
        ("workers", lambda: _external("workers", [])),
        ("startup", lambda: _external("startup", [])),
    ]
    for name, step in steps:
        print(f"\n=== bench {name}", flush=True)
        try:
            status = max(status, step())
        except Exception as error:  # one failing benchmark must not hide the others' figures
            print(f"bench {name} failed: {type(error).__name__}: {error}", file=sys.stderr)
            status = 1
    return status


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    """SIGTERM unwinds like Ctrl-C, so every started gateway and subgraph is stopped."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "gateways": _gateways,
        "stack": _stack,
        "planning": _planning,
        "memory": _memory,
        "rejection": _rejection,
        "report": _report,
        "telemetry": _telemetry,
        "all": _all,
    }
    try:
        if args.command in _EXTERNAL:
            return _external(args.command, args.rest)
        return handlers[args.command](args)
    except (RuntimeError, ValueError) as error:  # missing tools, wrong answers: say it plainly
        print(f"bench {args.command}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
