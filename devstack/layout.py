"""Where one run of ``stack up`` keeps its files: everything under one data folder (``data/`` by
default, ``--data-dir`` to move it), so two stacks never share stores, logs, keys or secrets.

    <data>/<subgraph>.db          SQLite stores
    <data>/logs/<service>.log     this run's output (the previous run's in <service>.log.1)
    <data>/keys/                  the accounts service's signing keys
    <data>/secrets/identity.key   the identity-forwarding secret (mode 0600)
    <data>/router.dev.yaml        config/router.dev.yaml with this run's URLs
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from servicekit.topology import PROJECT_ROOT

__all__ = ["DEFAULT_DATA_DIR", "RunLayout", "rotate_log"]

DEFAULT_DATA_DIR = PROJECT_ROOT / "data"


@dataclass(frozen=True)
class RunLayout:
    data_dir: Path

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def identity_secret_file(self) -> Path:
        return self.data_dir / "secrets" / "identity.key"

    @property
    def router_config(self) -> Path:
        return self.data_dir / "router.dev.yaml"

    def log(self, name: str) -> Path:
        return self.logs_dir / f"{name}.log"

    def store_url(self, subgraph: str) -> str:
        return f"sqlite+aiosqlite:///{self.data_dir / f'{subgraph}.db'}"


def rotate_log(path: Path) -> None:
    """Start a run with an empty log: the previous run's moves to ``<name>.log.1`` (one kept), so
    a log never grows across runs and the last crash is still there to read."""
    if path.exists():
        path.replace(path.with_name(path.name + ".1"))
