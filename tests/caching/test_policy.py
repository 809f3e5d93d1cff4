"""Cache-Control merging (Apollo Server's CachePolicy, Hive's merge) and the subgraphs'
``@cacheControl`` policies of operations, against hand-written expectations (issue #17)."""

from __future__ import annotations

from servicekit.cache_control import NOT_CACHEABLE, CachePolicy
from subgraphs.common.cache_control import CacheHints


def merged(*headers: str | None) -> str:
    policy = CachePolicy()
    for header in headers:
        policy = policy.restrict(CachePolicy.parse(header))
    return policy.header()


def test_the_most_restrictive_header_wins() -> None:
    assert merged("max-age=60, public", "max-age=300, public") == "max-age=60, public"
    assert merged("max-age=60, public", "max-age=30, private") == "max-age=30, private"
    assert merged("max-age=300, private", "max-age=60") == "max-age=60, private"
    assert merged("max-age=60, public", "no-store") == "no-store"
    assert merged("max-age=60", "no-cache") == "no-store"
    assert merged("max-age=60", None) == "no-store"  # a subgraph that says nothing
    assert merged("public") == "no-store"  # no max-age: not cacheable
    assert merged("max-age=0, public") == "no-store"
    assert CachePolicy.parse('max-age="5", private') == CachePolicy(5, True, False)
    assert CachePolicy.parse("max-age=abc") == NOT_CACHEABLE


def _products() -> CacheHints:
    from subgraphs.products.schema import schema

    return CacheHints.from_schema(schema)


def _inventory() -> CacheHints:
    from strawberry.printer import print_schema

    from subgraphs.inventory.schema import schema

    return CacheHints.from_sdl(schema._schema, print_schema(schema))


def test_schema_first_hints_follow_apollo_server() -> None:
    hints = _products()
    policy = hints.policy
    assert policy("{ topProducts { upc name } }", None).header() == "max-age=60, public"
    assert policy('{ product(upc: "1") { name } }', None).header() == "max-age=300, public"
    # ProductConnection/ProductEdge/PageInfo inherit productsConnection's 60
    connection = "{ productsConnection { edges { node { upc } } pageInfo { hasNextPage } } }"
    assert policy(connection, None).header() == "max-age=60, public"
    entities = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { name } } }"
    assert policy(entities, None).header() == "max-age=300, public"
    mutation = 'mutation { updateProductPrice(upc: "1", price: 2) { price } }'
    assert policy(mutation, None) == NOT_CACHEABLE


def test_code_first_hints_follow_apollo_server() -> None:
    policy = _inventory().policy
    stock = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { inStock } } }"
    assert policy(stock, None).header() == "max-age=5, public"
    exact = (
        "query($r: [_Any!]!) { _entities(representations: $r) "
        "{ ... on Product { inStock stockQuantity } } }"
    )
    assert policy(exact, None).header() == "no-store"
