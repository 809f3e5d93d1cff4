"""``subgraph``: serve one subgraph, seed the stores, export the SDLs.

subgraph serve NAME [--host H] [--port P]   ($REGISTRY_URL set: publish to the registry on start)
subgraph seed [--users N] [--products N] [--reviews-per-product N] [--orders-per-user N]
              [--only NAME ...]
subgraph export-sdl [--check]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping, Sequence

from servicekit.registry_client import Announcer, with_announcer
from servicekit.serve import serve
from servicekit.telemetry import init_telemetry
from servicekit.topology import load_subgraphs
from subgraphs import registry
from subgraphs.common import telemetry as subgraph_telemetry
from subgraphs.seeding import SeedSizes, generate

__all__ = ["export_sdl", "main", "seed"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="subgraph", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve one subgraph over HTTP")
    run.add_argument("name", choices=registry.SUBGRAPHS)
    run.add_argument("--host", default=None)
    run.add_argument("--port", type=int, default=None)
    seeding = commands.add_parser("seed", help="replace the stores' data with the demo data")
    defaults = SeedSizes()
    seeding.add_argument("--users", type=int, default=defaults.users)
    seeding.add_argument("--products", type=int, default=defaults.products)
    seeding.add_argument("--reviews-per-product", type=int, default=defaults.reviews_per_product)
    seeding.add_argument("--orders-per-user", type=int, default=defaults.orders_per_user)
    seeding.add_argument(
        "--only", action="append", choices=registry.SUBGRAPHS, help="repeatable; default: all"
    )
    export = commands.add_parser("export-sdl", help="write schema/subgraphs/<name>.graphql")
    export.add_argument(
        "--check", action="store_true", help="only compare; exit 1 when a file differs"
    )
    return parser


def _serve(name: str, host: str | None, port: int | None) -> None:
    subgraph = registry.get(name)
    settings = subgraph._module("app").Settings()
    telemetry = init_telemetry(name, settings.log_level)
    default_port = next(e.port for e in load_subgraphs() if e.name == name)
    host, port = host or settings.host, port or settings.port or default_port
    app = subgraph_telemetry.instrument(name, subgraph.create_app())
    if os.environ.get("REGISTRY_URL"):  # issue #19: announce this replica to the registry
        announcer = Announcer(
            os.environ["REGISTRY_URL"],
            os.environ.get("REGISTRY_TOKEN", ""),
            name,
            os.environ.get("REGISTRY_ADVERTISE_URL") or f"http://{host}:{port}/graphql",
            lambda: registry.service_sdl(name),
            (host, port),
        )
        app = with_announcer(app, announcer)
    serve(
        telemetry.wrap(app),
        host=host,
        port=port,
        log_level=settings.log_level,
    )


async def seed(
    sizes: SeedSizes,
    names: Sequence[str] = registry.SUBGRAPHS,
    database_urls: Mapping[str, str] | None = None,
) -> dict[str, dict[str, int]]:
    """Seed each named subgraph's store (``database_urls[name]``, else its configured one);
    returns row counts per table."""
    data = generate(sizes)
    counts: dict[str, dict[str, int]] = {}
    for name in names:
        subgraph = registry.get(name)
        db = subgraph.create_database((database_urls or {}).get(name))
        try:
            counts[name] = await subgraph.seed(db, data)
        finally:
            await db.dispose()
    return counts


async def export_sdl(check: bool = False) -> list[str]:
    """Write (or with ``check`` only compare) every subgraph's served SDL; returns the names of
    files that differed."""
    differing = []
    for entry in load_subgraphs():
        sdl = await registry.service_sdl(entry.name)
        current = entry.schema_file.read_text() if entry.schema_file.exists() else None
        if current != sdl:
            differing.append(entry.name)
            if not check:
                entry.schema_file.parent.mkdir(parents=True, exist_ok=True)
                entry.schema_file.write_text(sdl)
    return differing


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        _serve(args.name, args.host, args.port)
        return 0
    if args.command == "seed":
        sizes = SeedSizes(args.users, args.products, args.reviews_per_product, args.orders_per_user)
        counts = asyncio.run(seed(sizes, args.only or registry.SUBGRAPHS))
        for name, tables in counts.items():
            print(f"{name}: " + ", ".join(f"{t}={n}" for t, n in tables.items()))
        return 0
    differing = asyncio.run(export_sdl(check=args.check))
    verb = "differs" if args.check else "written"
    for name in differing:
        print(f"schema/subgraphs/{name}.graphql {verb}")
    return 1 if args.check and differing else 0


if __name__ == "__main__":
    sys.exit(main())
