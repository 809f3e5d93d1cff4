"""Where each client's documents and manifest live, and loading a manifest for a running BFF."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bff.persisted import Manifest
from servicekit.topology import PROJECT_ROOT

__all__ = ["BFF_SCHEMA_DIR", "CLIENTS", "ClientDocuments", "load_manifest"]

PERSISTED_DIR = PROJECT_ROOT / "schema" / "persisted"
BFF_SCHEMA_DIR = PROJECT_ROOT / "schema" / "bff"
"""``<client>.graphql``: each BFF's schema as SDL, for ``schema check`` (router/registry)."""


@dataclass(frozen=True)
class ClientDocuments:
    """A client app's shipped ``.graphql`` documents, its manifest, and the BFF schema they target."""

    name: str
    documents: Path
    manifest: Path
    schema_module: str


CLIENTS = {
    "web": ClientDocuments(
        "web", PROJECT_ROOT / "bff_web" / "client", PERSISTED_DIR / "web.json", "bff_web.schema"
    ),
    "mobile": ClientDocuments(
        "mobile",
        PROJECT_ROOT / "bff_mobile" / "client",
        PERSISTED_DIR / "mobile.json",
        "bff_mobile.schema",
    ),
}


def load_manifest(client: str, path: Path | None = None) -> Manifest:
    """The client's committed manifest (an empty one if it is missing: nothing is persisted)."""
    manifest_path = path or CLIENTS[client].manifest
    if not manifest_path.exists():
        return Manifest(())
    return Manifest.load(manifest_path)
