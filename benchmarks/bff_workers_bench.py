"""``bench bff-workers`` (issue #20, "same for the BFFs"): each BFF with 1 worker against 2.

    python -m benchmarks.bff_workers_bench [--bff web,mobile] [--rounds 2] [--duration 10]

The seeded subgraphs and the router run as in ``bench bff`` (``tests/bff/stack.py``); the BFF
runs as its own process in production mode (``--workers 1`` under ``taskset -c 0`` with wrk on
core 1; ``--workers 2`` on both cores, which wrk, Redis and the stack then share: a 2-core machine
has no third core). The load is a warm screen (50 keep-alive connections), web ``productPage``
and mobile ``feed(first: 50)`` by its persisted id: served from the BFF's Redis cache with no
router request, so the BFF's own work is what scales. Every response is checked byte for byte
against the answer the BFF gave before the rounds, which is checked to be that screen with no
error. Rounds alternate the order; reported per variant:
requests/s, p99, CPU per request, and per round the 2-worker ÷ 1-worker ratio.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.bff_bench import MOBILE, PRODUCT_UPC, WEB
from benchmarks.gateways import GATEWAYS, GatewayDef
from benchmarks.report import aggregate, format_table, scale_per_round
from benchmarks.results import RESULTS_DIR, write_results
from benchmarks.runner import LoadOptions, Measurement, SubgraphSet
from benchmarks.workers_bench import PINNED, measure_pinned_rounds, scale_line
from servicekit.processes import ManagedProcess, ProcessSpec, free_port

__all__ = ["main", "run_bff_workers_benchmark"]


@dataclass(frozen=True)
class Screen:
    """One BFF's executable, settings prefix and warm screen."""

    bff: str
    body: bytes
    check: Callable[[Mapping[str, Any]], bool]
    """Whether the first answer is this screen, without errors."""


def _product_page(answer: Mapping[str, Any]) -> bool:
    page = (answer.get("data") or {}).get("productPage") or {}
    return page.get("upc") == PRODUCT_UPC


def _feed(answer: Mapping[str, Any]) -> bool:
    return len(((answer.get("data") or {}).get("feed") or {}).get("tiles") or []) == 50


SCREENS = {
    "web": Screen(
        "web",
        json.dumps({"query": WEB["ProductPage"].body, "variables": {"upc": PRODUCT_UPC}}).encode(),
        _product_page,
    ),
    "mobile": Screen(
        "mobile",
        json.dumps({"id": MOBILE["Feed"].id, "variables": {"first": 50}}).encode(),
        _feed,
    ),
}


def _bff(screen: Screen, workers: int, env: dict[str, str]) -> GatewayDef:
    prefix = f"BFF_{screen.bff.upper()}_"

    def argv(_supergraph: Path, port: int, _workdir: Path) -> list[str]:
        executable = Path(sys.executable).parent / f"bff-{screen.bff}"
        return ["env", f"{prefix}PORT={port}", str(executable), "--workers", str(workers)]

    name = f"bff-{screen.bff}-{workers}w"
    label = f"bff-{screen.bff}, warm screen, {workers} worker{'s' if workers > 1 else ''}"
    settings = {f"{prefix}{key}": value for key, value in env.items()}
    return GatewayDef(name, label, argv, "/ready", env=tuple(settings.items()))


def _expected(screen: Screen, gateway: GatewayDef, workdir: Path) -> dict[str, Any]:
    """The BFF's answer, once, checked to be its screen without errors."""
    port = free_port()
    spec = ProcessSpec(
        f"{gateway.name}-expected",
        gateway.argv(Path(), port, workdir),
        f"http://127.0.0.1:{port}/ready",
        env=dict(gateway.env),
    )
    process = ManagedProcess(spec, log_path=workdir / f"{gateway.name}-expected.log")
    with process.start(ready_timeout_seconds=120):
        answer = httpx.post(
            f"http://127.0.0.1:{port}/graphql",
            content=screen.body,
            headers={"content-type": "application/json"},
            timeout=60,
        ).json()
    if answer.get("errors") or not screen.check(answer):
        raise RuntimeError(f"bff-{screen.bff} did not answer its screen: {answer}")
    return dict(answer)


def run_bff_workers_benchmark(
    rounds: int,
    options: LoadOptions,
    results_dir: Path = RESULTS_DIR,
    bffs: Sequence[str] = tuple(SCREENS),
) -> str:
    """Per BFF, alternating rounds of both variants; the printable report."""
    from tests.bff.stack import running_bff_stack

    measurements: list[Measurement] = []
    pairs: dict[str, tuple[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-bff-workers-") as tmp:
        workdir = Path(tmp)
        with running_bff_stack(workdir) as stack:
            env = {
                "MODE": "production",
                "HOST": "127.0.0.1",
                "ROUTER_URL": stack.router_url,
                "SUPERGRAPH_PATH": str(stack.supergraph_path),
                "CACHE_NAMESPACE": f"bench:{uuid.uuid4().hex[:8]}",
                "LOG_LEVEL": "warning",
            }
            services = SubgraphSet({}, stack.pgids)  # the router and subgraphs: CPU apart
            for bff in bffs:
                screen = SCREENS[bff]
                variants = {workers: _bff(screen, workers, env) for workers in PINNED}
                for gateway in variants.values():
                    GATEWAYS[gateway.name] = gateway
                pairs[bff] = (variants[1].name, variants[2].name)
                expected = _expected(screen, variants[1], workdir)
                measurements += measure_pinned_rounds(
                    {workers: gateway.name for workers, gateway in variants.items()},
                    rounds,
                    supergraph=stack.supergraph_path,
                    body=screen.body,
                    expected=expected,
                    workdir=workdir,
                    subgraphs=services,
                    options=options,
                )
    scale = {bff: scale_per_round(measurements, *pair) for bff, pair in pairs.items()}
    lines = [format_table(aggregate(measurements), []), ""]
    lines += [f"bff-{bff}: {scale_line(ratios)}" for bff, ratios in scale.items()]
    report = "\n".join(lines)
    path = write_results(
        "bff-workers",
        {
            "settings": {"rounds": rounds, "bffs": list(bffs), **options.__dict__},
            "measurements": [m.to_json() for m in measurements],
            "scale_per_round": scale,
            "table": report,
        },
        results_dir,
    )
    return f"{report}\n\nresults: {path}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench bff-workers", description=__doc__.splitlines()[0])
    parser.add_argument("--bff", default=",".join(SCREENS), help="comma list of web, mobile")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args(argv)
    options = LoadOptions(
        connections=args.connections,
        duration_seconds=args.duration,
        warmup_seconds=args.warmup,
    )
    bffs = [name.strip() for name in args.bff.split(",") if name.strip()]
    print(run_bff_workers_benchmark(args.rounds, options, bffs=bffs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
