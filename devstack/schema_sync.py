"""What ``make sdl`` + ``make schema-compose`` do, from the running subgraphs: each one's
``{ _service { sdl } }`` (the same query ``subgraph export-sdl`` executes in-process) is written to
``schema/subgraphs/<name>.graphql`` when it differs, and the supergraph is recomposed and written
when its text changes. Asking the running processes saves importing every subgraph once more."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from servicekit.topology import PROJECT_ROOT, load_subgraphs

__all__ = ["SchemaSync", "compose_supergraph", "export_served_sdls"]

_SERVICE_QUERY = {"query": "{ _service { sdl } }"}


@dataclass
class SchemaSync:
    exported: list[str] = field(default_factory=list)
    """Subgraphs whose SDL file was rewritten."""
    supergraph_changed: bool = False
    composition_errors: list[str] = field(default_factory=list)


async def export_served_sdls(
    urls: Mapping[str, str], client: httpx.AsyncClient, sync: SchemaSync
) -> None:
    """Write the SDL each running subgraph (``urls``: name -> GraphQL URL) serves, if it differs."""
    files = {entry.name: entry.schema_file for entry in load_subgraphs()}

    async def one(name: str, url: str) -> None:
        response = await client.post(url, json=_SERVICE_QUERY, timeout=10.0)
        response.raise_for_status()
        sdl = str(response.json()["data"]["_service"]["sdl"])
        target = files[name]
        if not target.exists() or target.read_text() != sdl:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(sdl)
            sync.exported.append(name)

    await asyncio.gather(*(one(name, url) for name, url in urls.items() if name in files))


def compose_supergraph(sync: SchemaSync) -> None:
    """``schema compose``, writing the file only when the text changes (a running router
    hot-reloads on every write)."""
    from router.composition import compose  # heavy: only when the router runs
    from router.registry.sources import SUPERGRAPH_PATH, load_subgraph_inputs

    result = compose(load_subgraph_inputs(PROJECT_ROOT))
    if not result.ok or result.supergraph_sdl is None:
        sync.composition_errors = [f"{e.code}: {e.message}" for e in result.errors]
        return
    target = PROJECT_ROOT / SUPERGRAPH_PATH
    if not target.exists() or target.read_text() != result.supergraph_sdl:
        target.write_text(result.supergraph_sdl)
        sync.supergraph_changed = True
