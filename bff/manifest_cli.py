"""``bff-manifest``: regenerate (or ``--check``) the persisted-operation manifests.

Reads each client's ``.graphql`` documents (``bff_web/client``, ``bff_mobile/client``), validates
them against that BFF's schema and writes ``schema/persisted/<client>.json`` in Apollo's manifest
format. It also writes ``schema/persisted/bff-<client>.router.json``: every router operation that
BFF can send, one per piece (``bff.router_manifest``), which ``schema check`` validates against the
supergraph, and ``schema/bff/<client>.graphql``: the BFF's schema as SDL, against which
``schema check`` validates the client manifest. ``--check`` exits 1 when a committed manifest is stale, which CI and a test run.
"""

from __future__ import annotations

import argparse
import sys

from graphql import print_schema

from bff.manifests import BFF_SCHEMA_DIR, CLIENTS, ClientDocuments
from bff.persisted import Manifest, build_manifest, read_documents
from bff.router_manifest import build_router_manifest

__all__ = ["bff_sdl", "generate", "main"]


def generate(client: ClientDocuments) -> Manifest:
    """The manifest the client's current documents produce."""
    return build_manifest(read_documents(client.documents), client.schema())


def bff_sdl(client: ClientDocuments) -> str:
    """The BFF's schema as SDL (what ``schema/bff/<client>.graphql`` holds)."""
    return print_schema(client.schema()) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bff-manifest", description=__doc__)
    parser.add_argument("clients", nargs="*", help=f"any of {', '.join(CLIENTS)} (default: all)")
    parser.add_argument("--check", action="store_true", help="fail when a manifest is stale")
    args = parser.parse_args(argv)
    unknown = set(args.clients) - set(CLIENTS)
    if unknown:
        parser.error(f"unknown clients: {', '.join(sorted(unknown))}")
    stale = []
    for name in args.clients or list(CLIENTS):
        client = CLIENTS[name]
        router_manifest = build_router_manifest(client.router_document())
        for label, path, expected in (
            (name, client.manifest, generate(client).to_json_bytes()),
            (client.router_manifest.name, client.router_manifest, router_manifest.to_json_bytes()),
            (f"{name}.graphql", BFF_SCHEMA_DIR / f"{name}.graphql", bff_sdl(client).encode()),
        ):
            current = path.read_bytes() if path.exists() else b""
            if args.check:
                if current != expected:
                    stale.append(label)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(expected)
            print(f"wrote {path}")
    if stale:
        print(f"stale manifests: {', '.join(stale)}; run `bff-manifest`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
