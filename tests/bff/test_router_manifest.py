"""The BFFs' router operations (``schema/persisted/bff-*.router.json``): fresh, valid, complete."""

from __future__ import annotations

import dataclasses

import pytest
from graphql import OperationDefinitionNode, OperationType, parse, validate

from bff.manifest_cli import bff_sdl, main
from bff.manifests import BFF_SCHEMA_DIR, CLIENTS, ClientDocuments
from bff.persisted import Manifest
from bff.router_manifest import build_router_manifest, validate_manifest
from bff.step_document import step_document
from router.registry.api import api_schema
from servicekit.topology import PROJECT_ROOT


@pytest.mark.parametrize("bff", sorted(CLIENTS))
def test_committed_router_manifest_is_fresh(bff: str) -> None:
    """Fails when a BFF's router document changes without running `bff-manifest`."""
    client = CLIENTS[bff]
    manifest = build_router_manifest(client.router_document())
    assert manifest.to_json_bytes() == client.router_manifest.read_bytes()


@pytest.mark.parametrize("bff", sorted(CLIENTS))
def test_router_operations_validate_against_the_supergraph_api_schema(bff: str) -> None:
    supergraph = PROJECT_ROOT / "schema" / "supergraph.graphql"
    schema = api_schema(supergraph.read_text(), str(supergraph))
    manifest = Manifest.load(CLIENTS[bff].router_manifest)
    assert validate_manifest(manifest, schema) == []
    # the parsed document the BFF sends from, not only its committed copy
    assert validate(schema, CLIENTS[bff].router_document()) == []


@pytest.mark.parametrize("bff", sorted(CLIENTS))
def test_a_step_of_every_query_piece_validates(bff: str) -> None:
    """What the step batcher sends: every query piece aliased into one operation."""
    supergraph = PROJECT_ROOT / "schema" / "supergraph.graphql"
    schema = api_schema(supergraph.read_text(), str(supergraph))
    document = CLIENTS[bff].router_document()
    pieces = [
        (f"p{n}", d)
        for n, d in enumerate(document.definitions)
        if isinstance(d, OperationDefinitionNode) and d.operation is OperationType.QUERY
    ]
    assert len(pieces) >= 5
    assert validate(schema, parse(step_document(pieces))) == []


def test_router_manifests_name_every_piece() -> None:
    names = {
        bff: [op.name for op in Manifest.load(m).operations]
        for bff, m in ((name, c.router_manifest) for name, c in CLIENTS.items())
    }
    assert names == {
        "mobile": [
            "BffMobile_Feed",
            "BffMobile_OrderUpdates",
            "BffMobile_ProductDetail",
            "BffMobile_ProductTile",
            "BffMobile_Ready",
            "BffMobile_UserName",
            "BffMobile_UserOrders",
        ],
        "web": [
            "BffWeb_PlaceOrder",
            "BffWeb_ProductCard",
            "BffWeb_ProductDetail",
            "BffWeb_ProductRating",
            "BffWeb_ProductReviews",
            "BffWeb_Ready",
            "BffWeb_RecentReviews",
            "BffWeb_RelatedProducts",
            "BffWeb_StockChanged",
            "BffWeb_TopProducts",
            "BffWeb_UserName",
            "BffWeb_UserOrders",
            "BffWeb_UserProfile",
        ],
    }


def test_entity_and_root_operations_declare_their_variables() -> None:
    operations = {
        op.name: op.body for op in Manifest.load(CLIENTS["mobile"].router_manifest).operations
    }
    assert operations["BffMobile_UserName"] == (
        "query BffMobile_UserName($keys: [ID!]!) {\n  usersById(ids: $keys) {\n    id\n    name\n  }\n}"
    )
    assert operations["BffMobile_Feed"] == (
        "query BffMobile_Feed($first: Int!, $after: String) {\n"
        "  productsConnection(first: $first, after: $after) {\n"
        "    edges {\n      node {\n        upc\n      }\n    }\n"
        "    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"
    )


def test_check_command_reports_a_stale_router_manifest(tmp_path, monkeypatch) -> None:
    stale = tmp_path / "bff-mobile.router.json"
    stale.write_bytes(Manifest(()).to_json_bytes())

    class _Stale(ClientDocuments):
        @property
        def router_manifest(self):  # type: ignore[override]
            return stale

    mobile = CLIENTS["mobile"]
    fields = {f.name: getattr(mobile, f.name) for f in dataclasses.fields(mobile)}
    monkeypatch.setitem(CLIENTS, "mobile", _Stale(**fields))
    assert main(["--check", "mobile"]) == 1
    assert main(["mobile"]) == 0  # regenerates
    assert main(["--check", "mobile"]) == 0
    assert stale.read_bytes() == mobile.router_manifest.read_bytes()


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_committed_bff_schema_sdl_is_fresh(client: str) -> None:
    """schema/bff/<client>.graphql is what `schema check` validates client manifests against."""
    assert (BFF_SCHEMA_DIR / f"{client}.graphql").read_text() == bff_sdl(CLIENTS[client])
