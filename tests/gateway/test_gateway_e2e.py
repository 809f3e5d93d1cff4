"""Gateway end to end against real fixture subgraph processes; whole responses compared."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from router.config import RouterConfig
from router.gateway import Gateway
from router.request import GraphQLRequest
from tests.gateway.conftest import config_for, start_subgraph

pytestmark = pytest.mark.e2e


async def run(gateway: Gateway, query: str, **kwargs: Any) -> dict[str, Any]:
    response = await gateway.execute(GraphQLRequest(query=query, **kwargs))
    return response.to_dict()


async def test_entities_across_three_subgraphs(gateway: Gateway) -> None:
    query = """{ topProducts(first: 2) { name reviews { body author { name } } } }"""
    assert await run(gateway, query) == {
        "data": {
            "topProducts": [
                {
                    "name": "Table",
                    "reviews": [
                        {"body": "Love it!", "author": {"name": "Ada Lovelace"}},
                        {"body": "Prefer something else.", "author": {"name": "Alan Turing"}},
                    ],
                },
                {
                    "name": "Couch",
                    "reviews": [{"body": "Too expensive.", "author": {"name": "Ada Lovelace"}}],
                },
            ]
        }
    }


async def test_requires_and_aliases(gateway: Gateway) -> None:
    query = "{ topProducts { upc cost: price ship: shippingEstimate inStock } }"
    assert await run(gateway, query) == {
        "data": {
            "topProducts": [
                {"upc": "1", "cost": 899, "ship": 50, "inStock": True},
                {"upc": "2", "cost": 1299, "ship": 0, "inStock": False},
                {"upc": "3", "cost": 54, "ship": 25, "inStock": True},
            ]
        }
    }


async def test_abstract_types_and_fragments(gateway: Gateway) -> None:
    query = """
    query { media { __typename ...M ... on Book { reviewCount pages } ... on Movie { minutes } } }
    fragment M on Media { title }
    """
    assert await run(gateway, query) == {
        "data": {
            "media": [
                {"__typename": "Book", "title": "Dune", "reviewCount": 2, "pages": 412},
                {"__typename": "Movie", "title": "Alien", "minutes": 117},
                {"__typename": "Book", "title": "Emma", "reviewCount": 0, "pages": 474},
            ]
        }
    }


async def test_variables_defaults_and_skip_include(gateway: Gateway) -> None:
    query = """query Q($first: Int! = 1, $withReviews: Boolean!) {
      topProducts(first: $first) { name reviews @include(if: $withReviews) { body } }
    }"""
    assert await run(gateway, query, variables={"withReviews": False}) == {
        "data": {"topProducts": [{"name": "Table"}]}
    }
    assert await run(gateway, query, variables={"first": 2, "withReviews": True}) == {
        "data": {
            "topProducts": [
                {
                    "name": "Table",
                    "reviews": [{"body": "Love it!"}, {"body": "Prefer something else."}],
                },
                {"name": "Couch", "reviews": [{"body": "Too expensive."}]},
            ]
        }
    }


async def test_mutations_run_in_document_order(gateway: Gateway) -> None:
    query = """mutation {
      first: rename(id: 2, name: "Alan M. Turing") { name }
      added: addProduct(upc: "9", name: "Lamp") { upc name inStock }
      second: rename(id: 2, name: "Alan Turing") { name }
    }"""
    assert await run(gateway, query) == {
        "data": {
            "first": {"name": "Alan M. Turing"},
            "added": {"upc": "9", "name": "Lamp", "inStock": False},
            "second": {"name": "Alan Turing"},
        }
    }


async def test_root_typename_and_introspection_mixed_with_fields(gateway: Gateway) -> None:
    query = """{ __typename warehouseCount
      t: __type(name: "Category") { name enumValues { name } } }"""
    assert await run(gateway, query) == {
        "data": {
            "__typename": "Query",
            "warehouseCount": 2,
            "t": {"name": "Category", "enumValues": [{"name": "FURNITURE"}]},
        }
    }
    schema = await run(gateway, "{ __schema { queryType { name } mutationType { name } } }")
    assert schema == {
        "data": {"__schema": {"queryType": {"name": "Query"}, "mutationType": {"name": "Mutation"}}}
    }


async def test_inaccessible_enum_value_becomes_null_with_an_error(gateway: Gateway) -> None:
    assert await run(gateway, '{ product(upc: "3") { name category } }') == {
        "errors": [
            {
                "message": "Invalid value found for field Product.category.",
                "path": ["product", "category"],
                "extensions": {"code": "RESPONSE_VALIDATION_FAILED"},
            }
        ],
        "data": {"product": {"name": "Chair", "category": None}},
    }


async def test_query_plan_is_exposed_in_development_only(
    fixture_urls: dict[str, str], make_gateway: Callable[[RouterConfig], Gateway]
) -> None:
    query = "{ me { name reviews { body } } }"
    development = make_gateway(config_for(fixture_urls, mode="development"))
    response = await development.execute(GraphQLRequest(query=query, include_plan=True))
    plan = response.extensions["apolloQueryPlan"]
    assert plan["text"].startswith("QueryPlan {\n  Sequence {\n")
    assert plan["object"]["kind"] == "QueryPlan"
    production = make_gateway(config_for(fixture_urls))
    response = await production.execute(GraphQLRequest(query=query, include_plan=True))
    assert response.extensions == {}
    assert response.data == {
        "me": {
            "name": "Ada Lovelace",
            "reviews": [{"body": "Love it!"}, {"body": "Too expensive."}],
        }
    }


async def test_a_slow_subgraph_times_out_with_partial_data(
    fixture_urls: dict[str, str], make_gateway: Callable[[RouterConfig], Gateway]
) -> None:
    config = config_for(fixture_urls, subgraphs={"inventory": {"timeout_seconds": 0.5}})
    gateway = make_gateway(config)
    query = '{ product(upc: "1") { name delivery } topProducts(first: 1) { name } }'
    assert await run(gateway, query) == {
        "errors": [
            {
                "message": "Your request has been timed out",
                "path": ["product"],
                "extensions": {"code": "GATEWAY_TIMEOUT", "service": "inventory"},
            }
        ],
        "data": {"product": None, "topProducts": [{"name": "Table"}]},
    }


async def test_a_killed_subgraph_yields_partial_data_and_an_error(
    fixture_urls: dict[str, str],
    make_gateway: Callable[[RouterConfig], Gateway],
    tmp_path: Path,
) -> None:
    process, url = start_subgraph("reviews", tmp_path)
    try:
        gateway = make_gateway(config_for({**fixture_urls, "reviews": url}))
        query = '{ product(upc: "2") { name reviews { body } } me { name } }'
        assert await run(gateway, query) == {
            "data": {
                "product": {"name": "Couch", "reviews": [{"body": "Too expensive."}]},
                "me": {"name": "Ada Lovelace"},
            }
        }
        process.kill()
        response = await run(gateway, query)
    finally:
        process.stop()
    error = response["errors"][0]
    assert error["message"].startswith("HTTP fetch failed from 'reviews': ConnectError")
    assert error["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
    assert response == {
        "errors": [
            {
                "message": error["message"],
                "path": ["product"],
                "extensions": {
                    "code": "SUBREQUEST_HTTP_ERROR",
                    "service": "reviews",
                    "reason": error["extensions"]["reason"],
                },
            }
        ],
        "data": {"product": None, "me": {"name": "Ada Lovelace"}},
    }


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (
            GraphQLRequest(query="{ topProducts { "),
            {
                "errors": [
                    {
                        "message": "Syntax Error: Expected Name, found <EOF>.",
                        "locations": [{"line": 1, "column": 17}],
                        "extensions": {"code": "GRAPHQL_PARSE_FAILED"},
                    }
                ]
            },
        ),
        (
            GraphQLRequest(query="{ topProducts { secret } }"),
            {
                "errors": [
                    {
                        "message": "Cannot query field 'secret' on type 'Product'.",
                        "locations": [{"line": 1, "column": 17}],
                        "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
                    }
                ]
            },
        ),
        (
            GraphQLRequest(query="query A { me { id } } query B { me { id } }"),
            {
                "errors": [
                    {
                        "message": "Must provide operation name if query contains multiple operations.",
                        "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
                    }
                ]
            },
        ),
        (
            GraphQLRequest(query="query A { me { id } }", operation_name="B"),
            {
                "errors": [
                    {
                        "message": 'Unknown operation named "B".',
                        "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
                    }
                ]
            },
        ),
        (
            GraphQLRequest(
                query="query ($n: Int!) { topProducts(first: $n) { upc } }", variables={"n": "x"}
            ),
            {
                "errors": [
                    {
                        "message": "Variable '$n' got invalid value 'x'; Int cannot represent non-integer value: 'x'",
                        "locations": [{"line": 1, "column": 8}],
                        "extensions": {"code": "BAD_USER_INPUT"},
                    }
                ]
            },
        ),
    ],
)
async def test_request_errors(
    gateway: Gateway, request_: GraphQLRequest, expected: dict[str, Any]
) -> None:
    response = await gateway.execute(request_)
    assert response.has_data is False
    assert response.to_dict() == expected


async def test_mutation_over_get_is_rejected_with_405(gateway: Gateway) -> None:
    request = GraphQLRequest(
        query='mutation { rename(id: 1, name: "x") { name } }',
        allowed_operation_types=frozenset({"query"}),
    )
    response = await gateway.execute(request)
    assert response.status_hint == 405 and response.has_data is False
    assert response.errors[0]["extensions"] == {"code": "METHOD_NOT_ALLOWED"}


async def test_headers_are_propagated_per_subgraph_rules(
    fixture_urls: dict[str, str], make_gateway: Callable[[RouterConfig], Gateway]
) -> None:
    config = config_for(
        fixture_urls,
        subgraphs={
            "accounts": {
                "headers": [
                    {"propagate": "authorization"},
                    {"propagate": "x-tenant", "rename": "x-org"},
                    {"insert": "x-router", "value": "python"},
                ]
            }
        },
    )
    gateway = make_gateway(config)
    query = """{ auth: header(name: "authorization") org: header(name: "x-org")
      router: header(name: "x-router") tenant: header(name: "x-tenant")
      cookie: header(name: "cookie") }"""
    headers = {"authorization": "Bearer abc", "x-tenant": "acme", "cookie": "session=1"}
    assert await run(gateway, query, headers=headers) == {
        "data": {
            "auth": "Bearer abc",
            "org": "acme",
            "router": "python",
            "tenant": None,
            "cookie": None,
        }
    }


async def test_entity_nulled_by_its_subgraph_propagates_with_only_the_subgraph_error(
    gateway: Gateway,
) -> None:
    query = "{ latestReview { body product { upc secretCode } } warehouseCount }"
    assert await run(gateway, query) == {
        "errors": [
            {
                "message": "secret code of 1 is classified",
                "path": ["latestReview", "product", "secretCode"],
                "extensions": {"service": "products"},
            }
        ],
        "data": {"latestReview": None, "warehouseCount": 2},
    }


def _expected_from_fixture_data() -> list[dict[str, Any]]:
    """The answers of DEDUP_QUERIES built from the fixture subgraphs' data
    (tests/execution/fixtures/apps.py), without any gateway: the oracle of the deduplication test
    must not be the router's own output (issue #21)."""
    from tests.execution.fixtures.apps import BOOK_REVIEWS, PRODUCTS, REVIEWS, STOCK, USERS

    def shipping(price: int, weight: int) -> int:
        return 0 if price > 1000 else round(weight / 2)  # the inventory fixture's rule

    top_products = [
        {
            "name": name,
            "shippingEstimate": shipping(price, weight),
            "reviews": [
                {"body": r["body"], "author": {"name": USERS[r["author"]][0]}}
                for r in REVIEWS
                if r["upc"] == upc
            ],
        }
        # first: 3, the fixture's own products: other tests of the session add products (Lamp)
        for upc, (name, price, weight, _) in list(PRODUCTS.items())[:3]
    ]
    users = [
        {
            "name": name,
            "reviews": [
                {"product": {"name": PRODUCTS[r["upc"]][0], "inStock": STOCK[r["upc"]]}}
                for r in REVIEWS
                if r["author"] == user_id
            ],
        }
        for user_id, (name, _) in USERS.items()
    ]
    media = [  # the products fixture's media list: Dune (b1), Alien (m1), Emma (b2)
        {"title": "Dune", "reviewCount": BOOK_REVIEWS["b1"]},
        {"title": "Alien"},
        {"title": "Emma", "reviewCount": BOOK_REVIEWS["b2"]},
    ]
    return [
        {"data": {"topProducts": top_products}},
        {"data": {"users": users}},
        {"data": {"media": media}},
    ]


DEDUP_QUERIES = [
    "{ topProducts(first: 3) { name shippingEstimate reviews { body author { name } } } }",
    "{ users { name reviews { product { name inStock } } } }",
    "{ media { title ... on Book { reviewCount } } }",
]


@pytest.mark.parametrize("deduplicate", [True, False])
async def test_concurrent_requests_with_deduplication_get_the_sequential_answers(
    fixture_urls: dict[str, str],
    make_gateway: Callable[[RouterConfig], Gateway],
    deduplicate: bool,
) -> None:
    expected = _expected_from_fixture_data()
    sequential = make_gateway(
        config_for(fixture_urls, all_subgraphs={"deduplicate_queries": deduplicate})
    )
    assert [await run(sequential, q) for q in DEDUP_QUERIES] == expected
    shared = make_gateway(
        config_for(
            fixture_urls,
            deduplicate_inbound=deduplicate,
            all_subgraphs={"deduplicate_queries": deduplicate},
        )
    )
    answers = await asyncio.gather(*(run(shared, DEDUP_QUERIES[i % 3]) for i in range(60)))
    assert answers == [expected[i % 3] for i in range(60)]


async def test_client_alias_on_a_key_name_uses_planner_aliases_and_input_rewrites(
    gateway: Gateway,
) -> None:
    query = "{ topProducts(first: 2) { upc: name inStock id: upc } }"
    assert await run(gateway, query) == {
        "data": {
            "topProducts": [
                {"upc": "Table", "inStock": True, "id": "1"},
                {"upc": "Couch", "inStock": False, "id": "2"},
            ]
        }
    }
