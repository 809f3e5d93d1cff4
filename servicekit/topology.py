"""The service registry (``schema/supergraph.yaml``, Rover's supergraph config format).

Services find each other through this file and environment overrides, never through URLs
scattered in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

__all__ = [
    "BFF_MOBILE_PORT",
    "BFF_WEB_PORT",
    "PROJECT_ROOT",
    "ROUTER_PORT",
    "SubgraphEntry",
    "load_subgraphs",
]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SUPERGRAPH_CONFIG = PROJECT_ROOT / "schema" / "supergraph.yaml"
ROUTER_PORT = 4000
BFF_WEB_PORT = 4100
BFF_MOBILE_PORT = 4200


@dataclass(frozen=True)
class SubgraphEntry:
    """One subgraph as registered: its name, routing URL and SDL file."""

    name: str
    routing_url: str
    schema_file: Path

    @property
    def port(self) -> int:
        port = urlsplit(self.routing_url).port
        if port is None:
            raise ValueError(f"{self.name}: routing_url {self.routing_url} has no port")
        return port


def load_subgraphs(config_path: Path = SUPERGRAPH_CONFIG) -> list[SubgraphEntry]:
    """The registered subgraphs, in the file's order."""
    document = yaml.safe_load(config_path.read_text())
    entries = []
    for name, entry in (document.get("subgraphs") or {}).items():
        schema_file = (config_path.parent / entry["schema"]["file"]).resolve()
        entries.append(SubgraphEntry(name, entry["routing_url"], schema_file))
    return entries
