"""load_supergraph: the join model, the API schema and errors for invalid input."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import print_schema

from router.supergraph import FieldInGraph, Graph, SupergraphError, load_supergraph

BENCH = (Path(__file__).parents[1] / "planning" / "fixtures" / "bench.graphql").read_text()


def test_graphs_come_from_join_graph() -> None:
    supergraph = load_supergraph(BENCH)
    assert supergraph.graphs == (
        Graph("ACCOUNTS", "accounts", "http://accounts.local/graphql"),
        Graph("INVENTORY", "inventory", "http://inventory.local/graphql"),
        Graph("PRODUCTS", "products", "http://products.local/graphql"),
        Graph("REVIEWS", "reviews", "http://reviews.local/graphql"),
    )


def test_fields_know_their_subgraphs_requires_provides_and_external() -> None:
    supergraph = load_supergraph(BENCH)
    product = supergraph.type("Product")
    assert sorted(product.graphs) == ["inventory", "products", "reviews"]
    assert [(k.fields, k.resolvable) for k in product.graphs["inventory"].keys] == [("upc", True)]
    shipping = product.fields["shippingEstimate"]
    assert [(e.graph, e.requires_text) for e in shipping.graphs] == [("inventory", "price weight")]
    assert [(e.graph, e.external) for e in product.fields["price"].graphs] == [
        ("inventory", True),
        ("products", False),
    ]
    author = supergraph.type("Review").fields["author"]
    assert [(e.graph, e.provides_text) for e in author.graphs] == [("reviews", "username")]
    # a field without @join__field belongs to every subgraph of its type
    assert supergraph.type("User").fields["id"].graphs == (
        FieldInGraph("accounts"),
        FieldInGraph("reviews"),
    )
    assert (
        supergraph.type("User").fields["reviews"].named_type,
        supergraph.type("User").fields["reviews"].list_depth,
    ) == ("Review", 1)


def test_api_schema_has_no_join_or_link_elements() -> None:
    api = print_schema(load_supergraph(BENCH).api_schema)
    assert api == (
        "directive @defer(label: String, if: Boolean! = true) on FRAGMENT_SPREAD | INLINE_FRAGMENT"
        "\n\n"
        "directive @stream(if: Boolean! = true, label: String, initialCount: Int! = 0) on FIELD"
        "\n\n"
        "type Product {\n  upc: String!\n  weight: Int\n  price: Int\n  inStock: Boolean\n"
        "  shippingEstimate: Int\n  name: String\n  reviews: [Review]\n}\n\n"
        "type Query {\n  me: User\n  users: [User!]!\n  topProducts(first: Int = 5): [Product!]!\n}\n\n"
        "type Review {\n  id: ID!\n  body: String\n  author: User\n  product: Product\n}\n\n"
        "type User {\n  id: ID!\n  name: String\n  username: String\n  reviews: [Review]\n}"
    )


@pytest.mark.parametrize(
    ("sdl", "message"),
    [
        ("type Query {", "supergraph SDL does not parse"),
        ("type Query { a: Int }", "no @link"),
        (
            'schema @link(url: "https://specs.apollo.dev/link/v1.0") { query: Query }\n'
            "type Query { a: Int }",
            "no @link to the join spec",
        ),
        (
            BENCH.replace("join/v0.3", "join/v0.9"),
            "unsupported join spec version v0.9",
        ),
        (
            'schema @core(feature: "https://specs.apollo.dev/core/v0.1") { query: Query }',
            "core spec",
        ),
        (BENCH.replace("graph: INVENTORY, key", "graph: NOWHERE, key"), "NOWHERE"),
    ],
)
def test_invalid_supergraphs_raise_a_clear_error(sdl: str, message: str) -> None:
    with pytest.raises(SupergraphError, match=message):
        load_supergraph(sdl)


FIXTURES = Path(__file__).parents[1] / "planning" / "fixtures"


@pytest.mark.parametrize("version", ["v0.2", "v0.3", "v0.4", "v0.5"])
def test_join_versions_v02_to_v05_load(version: str) -> None:
    supergraph = load_supergraph(BENCH.replace("join/v0.3", f"join/{version}"))
    assert supergraph.graph_names == ("accounts", "inventory", "products", "reviews")


def test_override_and_progressive_labels_are_modelled() -> None:
    supergraph = load_supergraph((FIXTURES / "shop.graphql").read_text())
    product = supergraph.type("Product")
    assert [(e.graph, e.override, e.override_label) for e in product.fields["stock"].graphs] == [
        ("catalog", None, "percent(25)"),
        ("media", "catalog", "percent(25)"),
    ]
    assert [(e.graph, e.override) for e in product.fields["price"].graphs] == [
        ("pricing", "catalog")
    ]
    search = supergraph.type("SearchResult")
    assert search.union_members == {"catalog": ("Book", "Movie"), "media": ("Book", "Song")}
    assert supergraph.possible_types_in("SearchResult", "media") == ("Book", "Song")
    assert supergraph.type("Book").implements == {"catalog": ("Node",)}


def test_interface_objects_are_modelled() -> None:
    supergraph = load_supergraph((FIXTURES / "iface.graphql").read_text())
    media = supergraph.type("Media")
    assert (media.kind, sorted(media.graphs)) == ("INTERFACE", ["library", "reviews"])
    assert media.graphs["reviews"].is_interface_object
    assert not media.graphs["library"].is_interface_object
    assert [k.fields for k in media.graphs["reviews"].keys] == ["id"]
    assert supergraph.possible_types("Media") == ("Book", "Film")
    assert supergraph.possible_types_in("Media", "reviews") == ()


def test_resolvable_false_keys_are_modelled() -> None:
    supergraph = load_supergraph((FIXTURES / "keys.graphql").read_text())
    user = supergraph.type("User")
    assert [(k.fields, k.resolvable) for k in user.graphs["sessions"].keys] == [("id", False)]
    assert [(k.fields, k.resolvable) for k in user.graphs["users"].keys] == [
        ("id", True),
        ("email", True),
    ]
