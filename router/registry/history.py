"""``schema publish``: record a checked supergraph version in ``schema/history/``.

Each version is ``schema/history/vNNNN.graphql`` (the composed supergraph) plus an entry in
``schema/history/changelog.json`` (version, sha256, what it was checked against, its breaking
and dangerous changes). Publishing the same supergraph twice records nothing new.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from router.registry.check import CheckReport

__all__ = ["PublishResult", "latest_version_path", "publish"]

HISTORY_DIR = Path("schema") / "history"
CHANGELOG = "changelog.json"


@dataclass(frozen=True)
class PublishResult:
    version: int
    path: Path
    created: bool


def _changelog(history: Path) -> list[dict[str, object]]:
    path = history / CHANGELOG
    if not path.exists():
        return []
    entries: list[dict[str, object]] = json.loads(path.read_text())
    return entries


def latest_version_path(root: Path) -> Path | None:
    """The supergraph file of the newest published version, if any."""
    entries = _changelog(root / HISTORY_DIR)
    return root / HISTORY_DIR / str(entries[-1]["file"]) if entries else None


def publish(root: Path, report: CheckReport, against: str) -> PublishResult:
    """Write the version (only call with a passing report that has a supergraph)."""
    if report.supergraph_sdl is None or not report.passed:
        raise ValueError("only a passing check can be published")
    history = root / HISTORY_DIR
    history.mkdir(parents=True, exist_ok=True)
    entries = _changelog(history)
    digest = hashlib.sha256(report.supergraph_sdl.encode()).hexdigest()
    if entries and entries[-1]["sha256"] == digest:
        version = int(str(entries[-1]["version"]))
        return PublishResult(version, history / str(entries[-1]["file"]), False)
    version = len(entries) + 1
    file_name = f"v{version:04d}.graphql"
    (history / file_name).write_text(report.supergraph_sdl)
    entries.append(
        {
            "version": version,
            "file": file_name,
            "sha256": digest,
            "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "checked_against": against,
            "breaking": [c.description for c in report.breaking],
            "dangerous": [c.description for c in report.dangerous],
            "notes": report.notes,
        }
    )
    (history / CHANGELOG).write_text(json.dumps(entries, indent=2) + "\n")
    return PublishResult(version, history / file_name, True)
