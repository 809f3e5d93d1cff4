"""The BFFs' router operations (``schema/persisted/bff-*.router.json``): fresh, valid, complete."""

from __future__ import annotations

import pytest

from bff.manifest_cli import bff_sdl, main
from bff.manifests import BFF_SCHEMA_DIR, CLIENTS
from bff.persisted import Manifest
from bff.router_manifest import (
    ROUTER_MANIFESTS,
    RouterManifest,
    build_router_manifest,
    validate_manifest,
)
from bff.specs import RootTemplate
from router.registry.api import api_schema
from servicekit.topology import PROJECT_ROOT


@pytest.mark.parametrize("bff", sorted(ROUTER_MANIFESTS))
def test_committed_router_manifest_is_fresh(bff: str) -> None:
    """Fails when a BFF's selections change without running `bff-manifest`."""
    target = ROUTER_MANIFESTS[bff]
    assert build_router_manifest(target).to_json_bytes() == target.path.read_bytes()


@pytest.mark.parametrize("bff", sorted(ROUTER_MANIFESTS))
def test_router_operations_validate_against_the_supergraph_api_schema(bff: str) -> None:
    supergraph = PROJECT_ROOT / "schema" / "supergraph.graphql"
    schema = api_schema(supergraph.read_text(), str(supergraph))
    manifest = Manifest.load(ROUTER_MANIFESTS[bff].path)
    assert validate_manifest(manifest, schema) == []


def test_router_manifests_name_every_piece() -> None:
    names = {
        bff: [op.name for op in Manifest.load(m.path).operations]
        for bff, m in ROUTER_MANIFESTS.items()
    }
    assert names == {
        "mobile": [
            "BffMobile_Feed",
            "BffMobile_ProductDetail",
            "BffMobile_ProductTile",
            "BffMobile_UserName",
            "BffMobile_UserOrders",
        ],
        "web": [
            "BffWeb_PlaceOrder",
            "BffWeb_ProductCard",
            "BffWeb_ProductDetail",
            "BffWeb_ProductReviews",
            "BffWeb_RecentReviews",
            "BffWeb_RelatedProducts",
            "BffWeb_TopProducts",
            "BffWeb_UserName",
            "BffWeb_UserOrders",
            "BffWeb_UserProfile",
        ],
    }


def test_entity_and_root_operations_declare_their_variables() -> None:
    operations = {
        op.name: op.body for op in Manifest.load(ROUTER_MANIFESTS["mobile"].path).operations
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


def test_root_template_fills_literals_like_the_resolvers_sent() -> None:
    template = RootTemplate(
        "T",
        "p(upc: $upc) { r(first: $first, after: $after) { id } }",
        (("upc", "String!"), ("first", "Int!"), ("after", "String")),
    )
    field = template.call(30, ("Product:1",), upc='a"b', first=3, after=None)
    assert (field.text, field.ttl_seconds, field.tags) == (
        'p(upc: "a\\"b") { r(first: 3, after: null) { id } }',
        30,
        ("Product:1",),
    )
    with pytest.raises(TypeError, match=r"^T takes \['after', 'first', 'upc'\], got \['first'\]$"):
        template.call(first=3)


def test_check_command_reports_a_stale_router_manifest(tmp_path, monkeypatch) -> None:
    stale = tmp_path / "bff-mobile.router.json"
    stale.write_bytes(Manifest(()).to_json_bytes())

    class _Stale(RouterManifest):
        @property
        def path(self):  # type: ignore[override]
            return stale

    monkeypatch.setattr(
        "bff.manifest_cli.ROUTER_MANIFESTS",
        {**ROUTER_MANIFESTS, "mobile": _Stale("mobile", "BffMobile", "Mobile")},
    )
    assert main(["--check", "mobile"]) == 1
    assert main(["mobile"]) == 0  # regenerates
    assert main(["--check", "mobile"]) == 0
    assert stale.read_bytes() == ROUTER_MANIFESTS["mobile"].path.read_bytes()


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_committed_bff_schema_sdl_is_fresh(client: str) -> None:
    """schema/bff/<client>.graphql is what `schema check` validates client manifests against."""
    assert (BFF_SCHEMA_DIR / f"{client}.graphql").read_text() == bff_sdl(CLIENTS[client])
