"""``python -m benchmarks.telemetry_hooks``: every variant's request loop runs (each in its own
interpreter: tracing is process-global); the callgrind counting itself needs valgrind and
minutes, so it is left to the benchmark."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from benchmarks.telemetry_hooks import VARIANTS


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_each_variant_serves_its_requests(variant: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.telemetry_hooks", "--run", "3"],
        env={**os.environ, "OTEL_BSP_SCHEDULE_DELAY": "600000", **VARIANTS[variant]},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
