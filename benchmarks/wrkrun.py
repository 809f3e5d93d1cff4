"""Run wrk (closed loop, keep-alive connections) with ``wrk/graphql.lua`` and parse its result.

wrk is the load tool because it is a small C program: on a 2-core machine the load generator
must cost far less CPU than the gateway it measures. The Lua script POSTs the GraphQL body,
compares every response with the gateway's verified answer and prints one ``BENCH_RESULT``
JSON line that :func:`parse_wrk_output` reads.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.tools import ensure_wrk

__all__ = ["LUA_SCRIPT", "WrkResult", "parse_wrk_output", "run_wrk", "wrk_argv"]

LUA_SCRIPT = Path(__file__).resolve().parent / "wrk" / "graphql.lua"
_MARKER = "BENCH_RESULT "


@dataclass(frozen=True)
class WrkResult:
    """One wrk run: counts, errors by kind, latency percentiles in milliseconds."""

    requests: int
    duration_seconds: float
    socket_errors: int
    non_2xx: int
    timeouts: int
    wrong_bodies: int
    checked_bodies: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.duration_seconds if self.duration_seconds > 0 else 0.0

    @property
    def errors(self) -> int:
        """Non-2xx + socket errors (timeouts included) + wrong bodies."""
        return self.non_2xx + self.socket_errors + self.wrong_bodies

    def to_json(self) -> dict[str, Any]:
        return {
            **self.__dict__,
            "requests_per_second": self.requests_per_second,
            "errors": self.errors,
        }


def parse_wrk_output(output: str) -> WrkResult:
    """Read the ``BENCH_RESULT`` line the Lua script prints in ``done()``."""
    for line in output.splitlines():
        if line.startswith(_MARKER):
            raw = json.loads(line[len(_MARKER) :])
            break
    else:
        raise ValueError(f"no {_MARKER.strip()} line in wrk output:\n{output[-2000:]}")
    errors = raw["errors"]
    latency = raw["latency_us"]
    return WrkResult(
        requests=int(raw["requests"]),
        duration_seconds=raw["duration_us"] / 1e6,
        # wrk counts a timed-out request as a timeout only, not as a read error.
        socket_errors=errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
        non_2xx=int(errors["status"]),
        timeouts=int(errors["timeout"]),
        wrong_bodies=int(raw["wrong_bodies"]),
        checked_bodies=int(raw["checked_bodies"]),
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000,
    )


def wrk_argv(
    url: str,
    *,
    connections: int,
    duration_seconds: float,
    threads: int = 1,
    timeout_seconds: float = 30.0,
    cpus: str | None = None,
) -> list[str]:
    """The command line; ``cpus`` pins wrk with taskset (it shares a core with the subgraphs)."""
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration_seconds))}s",
        f"--timeout={round(timeout_seconds)}s",
        "-s",
        str(LUA_SCRIPT),
        url,
    ]
    return ["taskset", "-c", cpus, *argv] if cpus else argv


def run_wrk(
    argv: Sequence[str],
    *,
    body_file: Path,
    expected_file: Path | None,
    deadline_seconds: float,
    wrong_file: Path | None = None,
) -> WrkResult:
    """Run wrk to completion (bounded by ``deadline_seconds``) and parse its result; the first
    wrong body, if any, is written to ``wrong_file``. wrk is installed first if it is absent:
    every benchmark reaches it through here, whichever runs first on a new machine."""
    ensure_wrk()
    env = {
        **os.environ,
        "BENCH_BODY_FILE": str(body_file),
        "BENCH_EXPECTED_FILE": str(expected_file) if expected_file else "",
        "BENCH_WRONG_FILE": str(wrong_file) if wrong_file else "",
    }
    completed = subprocess.run(
        list(argv), env=env, capture_output=True, text=True, timeout=deadline_seconds, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"wrk exited {completed.returncode}: {completed.stderr[-2000:]}")
    return parse_wrk_output(completed.stdout)
