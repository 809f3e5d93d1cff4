"""Real processes for the BFF end-to-end tests: five seeded subgraphs and OUR router.

The subgraphs come from ``tests/support/stack.py`` (fresh SQLite stores seeded by the
deterministic generator, free ports); the supergraph is composed from the committed SDLs with
those routing URLs (``router.composition``) and served by the ``router`` console script.
The seed is larger than the default so a 50-tile feed page exists.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from router.composition import SubgraphInput, compose
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT, load_subgraphs
from subgraphs.seeding import SeedData, SeedSizes, generate
from tests.support.stack import running_stack

__all__ = [
    "BFF_SEED_SIZES",
    "BffStack",
    "SubgraphsDoNotCompose",
    "compose_supergraph",
    "running_bff_stack",
]

BFF_SEED_SIZES = SeedSizes(users=12, products=60, reviews_per_product=3, orders_per_user=2)


class SubgraphsDoNotCompose(RuntimeError):
    """The committed subgraph SDLs have composition errors (not a BFF failure)."""


@dataclass(frozen=True)
class BffStack:
    router_url: str
    seed: SeedData
    folder: Path
    pgids: tuple[int, ...] = ()
    """Process groups of the router and subgraphs (benchmarks read their CPU time)."""

    @property
    def supergraph_path(self) -> Path:
        """The supergraph the router serves (absent for an external router)."""
        return self.folder / "supergraph.graphql"


def compose_supergraph(urls: dict[str, str], target: Path) -> Path:
    """The supergraph of the committed SDLs, routed to ``urls``; raises with the error codes."""
    entries = load_subgraphs()
    result = compose(
        [SubgraphInput(e.name, urls[e.name], e.schema_file.read_text()) for e in entries]
    )
    if not result.ok or result.supergraph_sdl is None:
        messages = "; ".join(f"{e.code}: {e.message}" for e in result.errors)
        raise SubgraphsDoNotCompose(f"the committed subgraph SDLs do not compose: {messages}")
    target.write_text(result.supergraph_sdl)
    return target


def router_process(supergraph: Path, folder: Path) -> ManagedProcess:
    port = free_port()
    router = str(Path(sys.executable).parent / "router")
    argv = [router, "--supergraph", str(supergraph), "--port", str(port), "--prod",
            "--log-level", "warning"]  # fmt: skip
    spec = ProcessSpec("router", argv, f"http://127.0.0.1:{port}/health", cwd=PROJECT_ROOT)
    return ManagedProcess(spec, log_path=folder / "router.log")


@contextmanager
def running_bff_stack(folder: Path, sizes: SeedSizes = BFF_SEED_SIZES) -> Iterator[BffStack]:
    registered = {e.name: e.routing_url for e in load_subgraphs()}
    compose_supergraph(registered, folder / "supergraph.check.graphql")  # fail before starting
    with running_stack(folder, sizes=sizes) as subgraphs:
        supergraph = compose_supergraph(subgraphs.urls, folder / "supergraph.graphql")
        with router_process(supergraph, folder) as router:
            url = router.spec.ready_url.removesuffix("/health") + "/graphql"
            processes = [router, *subgraphs.processes.values()]
            pgids = tuple(p.pid for p in processes if p.pid is not None)
            yield BffStack(url, generate(sizes), folder, pgids)
