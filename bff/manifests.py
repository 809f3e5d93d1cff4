"""Where each client's documents and manifests live, and loading a manifest for a running BFF.

The BFF packages are named here by module path (configuration, as uvicorn names an app): only
``bff-manifest`` loads them (:func:`ClientDocuments.schema`, :func:`ClientDocuments.router_document`);
no module of this package imports a BFF.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from graphql import DocumentNode, GraphQLSchema

from bff.persisted import Manifest
from servicekit.topology import PROJECT_ROOT

__all__ = ["BFF_SCHEMA_DIR", "CLIENTS", "PERSISTED_DIR", "ClientDocuments", "load_manifest"]

PERSISTED_DIR = PROJECT_ROOT / "schema" / "persisted"
BFF_SCHEMA_DIR = PROJECT_ROOT / "schema" / "bff"
"""``<client>.graphql``: each BFF's schema as SDL, for ``schema check`` (router/registry)."""


@dataclass(frozen=True)
class ClientDocuments:
    """A client app's shipped ``.graphql`` documents, its manifests, and the BFF they target."""

    name: str
    documents: Path
    manifest: Path
    schema_module: str
    """The BFF's module holding ``schema`` (a Strawberry schema)."""
    operations_module: str
    """The BFF's module holding ``DOCUMENT``: every operation it sends the router."""

    @property
    def router_manifest(self) -> Path:
        return PERSISTED_DIR / f"bff-{self.name}.router.json"

    def schema(self) -> GraphQLSchema:
        module = importlib.import_module(self.schema_module)
        schema: GraphQLSchema = module.schema._schema
        return schema

    def router_document(self) -> DocumentNode:
        document: DocumentNode = importlib.import_module(self.operations_module).DOCUMENT
        return document


def _client(name: str, package: str) -> ClientDocuments:
    return ClientDocuments(
        name,
        PROJECT_ROOT / package / "client",
        PERSISTED_DIR / f"{name}.json",
        f"{package}.schema",
        f"{package}.operations",
    )


CLIENTS = {"web": _client("web", "bff_web"), "mobile": _client("mobile", "bff_mobile")}


def load_manifest(client: str, path: Path | None = None) -> Manifest:
    """The client's committed manifest (an empty one if it is missing: nothing is persisted)."""
    manifest_path = path or CLIENTS[client].manifest
    if not manifest_path.exists():
        return Manifest(())
    return Manifest.load(manifest_path)
