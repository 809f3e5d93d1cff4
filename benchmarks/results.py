"""Write a benchmark's results as JSON under benchmarks/results/ (git-ignored), stamped with the
date and the machine, so figures are never quoted without where and when they were taken."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.tools import machine_info

__all__ = ["RESULTS_DIR", "write_results"]

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def write_results(kind: str, payload: dict[str, Any], directory: Path = RESULTS_DIR) -> Path:
    """``<kind>-<UTC timestamp>.json`` plus ``<kind>-latest.json``; returns the stamped path."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    document = {
        "kind": kind,
        "date": now.isoformat(timespec="seconds"),
        "machine": machine_info(),
        **payload,
    }
    text = json.dumps(document, indent=2, default=str)
    path = directory / f"{kind}-{now.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(text)
    (directory / f"{kind}-latest.json").write_text(text)
    return path
