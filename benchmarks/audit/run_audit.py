"""Drive graphql-hive/federation-gateway-audit against our router, suite by suite.

The audit checkout is not part of this repository: point ``AUDIT_DIR`` at an already
installed checkout (``npm ci`` done) and ``AUDIT_NODE`` at its Node (default ``node``; on Node 20
``tests/differential/node20_compat.mjs`` is preloaded). Nothing is
fetched. The audit's server is started on a free 127.0.0.1 port (``bind_loopback.mjs`` is
preloaded so it never listens on every interface); for each suite the router is started with
that suite's supergraph, the suite's tests are run and compared the way the audit's
``src/test.ts`` compares them (``data`` deep-equal; ``errors`` as a boolean unless the
expectation leaves it out).

    AUDIT_DIR=/tmp/audit AUDIT_NODE=/tmp/node22/.../bin/node \
        .venv/bin/python -m benchmarks.audit.run_audit [SUITE ...] [--verbose]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from servicekit.processes import free_port

__all__ = ["main"]

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CONFIG = "mode: development\nhttp:\n  redis_url: null\n"


def _wait(url: str, deadline: float, ok: Any = None) -> None:
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=1.0)
            if response.status_code == 200 and (ok is None or ok(response)):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(url)


def _strict_equal(a: Any, b: Any) -> bool:
    """Node's deepStrictEqual on JSON values (no 1 == True, no 1 == 1.0 quirks)."""
    if type(a) is not type(b):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return not isinstance(a, bool) and not isinstance(b, bool) and a == b
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_strict_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _check(expected: dict[str, Any], response: dict[str, Any]) -> bool:
    optional = not isinstance(expected.get("errors"), bool)
    received = {
        "data": response.get("data"),
        "errors": None if optional else bool(response.get("errors")),
    }
    wanted = {
        "data": expected.get("data"),
        "errors": None if optional else expected.get("errors", False),
    }
    return _strict_equal(received, wanted)


def _run_suite(
    audit: str, suite: str, workdir: Path, verbose: bool
) -> tuple[list[bool], list[str]]:
    sdl = httpx.get(f"{audit}/{suite}/supergraph", timeout=30).text
    supergraph = workdir / f"{suite}.graphql"
    supergraph.write_text(sdl)
    config = workdir / "router.yaml"
    config.write_text(CONFIG)
    port = free_port()
    log = (workdir / f"{suite}-router.log").open("w")
    command = [str(REPO / ".venv/bin/router"), "--supergraph", str(supergraph)]
    command += ["--config", str(config), "--host", "127.0.0.1", "--port", str(port)]
    command += ["--dev", "--log-level", "warning"]
    router = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    results: list[bool] = []
    notes: list[str] = []
    try:
        _wait(f"http://127.0.0.1:{port}/health", time.monotonic() + 90)
        tests = httpx.get(f"{audit}/{suite}/tests", timeout=30).json()
        with httpx.Client(timeout=10) as client:
            for index, test in enumerate(tests):
                response = client.post(
                    f"http://127.0.0.1:{port}/graphql",
                    json={"query": test["query"]},
                    headers={
                        "accept": "application/json",
                        "apollo-query-plan-experimental": "true",
                    },
                ).json()
                plan = (response.get("extensions") or {}).pop("apolloQueryPlan", None)
                ok = _check(test["expected"], response)
                results.append(ok)
                if not ok:
                    note = f"--- {suite}_{index}\n{test['query']}\nexpected: "
                    note += json.dumps(test["expected"]) + "\nreceived: " + json.dumps(response)
                    if verbose and plan:
                        note += "\nplan:\n" + str(plan.get("text"))
                    notes.append(note)
    finally:
        router.terminate()
        try:
            router.wait(10)
        except subprocess.TimeoutExpired:
            router.kill()
        log.close()
    return results, notes


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    verbose = "--verbose" in args
    wanted = [a for a in args if not a.startswith("--")]
    audit_dir = Path(os.environ["AUDIT_DIR"])
    node = os.environ.get("AUDIT_NODE", "node")
    port = free_port()
    # Node 20 lacks Promise.withResolvers (ES2024), which the audit's server uses: the same
    # preload as the differential's (harmless on Node 22)
    compat = HERE.parents[1] / "tests" / "differential" / "node20_compat.mjs"
    preloads = f"--import {HERE / 'bind_loopback.mjs'} --import {compat}"
    env = dict(os.environ, NODE_OPTIONS=preloads)
    server = subprocess.Popen(
        [node, "--import", "tsx", "src/cli.ts", "serve", "--port", str(port)],
        cwd=audit_dir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    audit = f"http://127.0.0.1:{port}"
    total = passed = 0
    try:
        _wait(f"{audit}/ids", time.monotonic() + 120)
        ids = [i for i in httpx.get(f"{audit}/ids").json() if not wanted or i in wanted]
        with tempfile.TemporaryDirectory(prefix="audit-") as tmp:
            for suite in ids:
                results, notes = _run_suite(audit, suite, Path(tmp), verbose)
                total += len(results)
                passed += sum(results)
                marks = "".join("." if r else "X" for r in results)
                print(f"{suite:40} {sum(results)}/{len(results)} {marks}", flush=True)
                for note in notes:
                    print(note, flush=True)
    finally:
        server.terminate()
        server.wait(10)
    print(f"\nTotal: {total}  Passed: {passed}  Failed: {total - passed}")
    return 0 if passed == total else 1


if __name__ == "__main__":
    raise SystemExit(main())
