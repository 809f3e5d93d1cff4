"""Install what the benchmarks need from the project's own files, so a fresh machine can run them.

- the reference gateways and the benchmark subgraphs: ``npm ci`` from the committed
  ``benchmarks/node/package.json`` + ``package-lock.json`` into the git-ignored
  ``benchmarks/node/node_modules``;
- ``wrk`` from Debian's packages (``apt-get install -y wrk``) when it is not on PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

__all__ = ["NODE_DIR", "ensure_node_modules", "ensure_wrk", "machine_info"]

NODE_DIR = Path(__file__).resolve().parent / "node"
_STAMP = NODE_DIR / "node_modules" / ".bench-lock-installed"


def _run(argv: list[str], *, cwd: Path | None = None, timeout: float = 900) -> None:
    completed = subprocess.run(
        argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} failed ({completed.returncode}):\n{completed.stderr[-3000:]}"
        )


def ensure_node_modules() -> Path:
    """``npm ci`` when node_modules is missing or older than the committed lock file."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError(
            "node and npm are needed for the reference gateways (apt-get install nodejs npm)"
        )
    lock = NODE_DIR / "package-lock.json"
    if _STAMP.exists() and _STAMP.read_text() == lock.read_text():
        return NODE_DIR / "node_modules"
    print("bench: npm ci in benchmarks/node (reference gateways, subgraphs) ...", flush=True)
    _run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR)
    _STAMP.write_text(lock.read_text())
    return NODE_DIR / "node_modules"


def ensure_wrk() -> str:
    """The path of wrk, installing Debian's package when it is absent (we run as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise RuntimeError("wrk is not installed; run: sudo apt-get install -y wrk")
    print("bench: apt-get install -y wrk ...", flush=True)
    env_prefix = ["env", "DEBIAN_FRONTEND=noninteractive"]
    try:
        _run([*env_prefix, "apt-get", "install", "-y", "wrk"])
    except RuntimeError:
        _run([*env_prefix, "apt-get", "update"])
        _run([*env_prefix, "apt-get", "install", "-y", "wrk"])
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("apt-get installed wrk but it is not on PATH")
    return found


def machine_info() -> dict[str, object]:
    """What the README table states beside the figures: cores and CPU model."""
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    node_version = ""
    if shutil.which("node"):
        node_version = subprocess.run(
            ["node", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    return {"nproc": os.cpu_count(), "cpu_model": model, "node": node_version}
