"""``@stream`` below the HTTP layer (issue #16): the plan split between the primary part and a
stream's part (whole printed plans, fixture supergraph of tests/execution/fixtures), the
directive's validation, and the payload bound."""

from __future__ import annotations

from graphql import OperationDefinitionNode, parse

from router.execution.stream import active_streams, item_payloads, split_plan
from router.planning import plan_operation
from router.planning.plan import PlanNode, QueryPlan
from router.planning.printer import print_plan
from router.planning.stream_directive import stream_points, stream_usage_errors
from router.supergraph import load_supergraph
from tests.defer.harness import FIXTURE_SDL

SUPERGRAPH = load_supergraph(FIXTURE_SDL.read_text())


def _split(query: str) -> tuple[str, list[str]]:
    document = parse(query)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    points = active_streams(stream_points(SUPERGRAPH.api_schema, operation, {}), {})
    plan = plan_operation(SUPERGRAPH, document, None).node
    split = split_plan(plan, points, {})
    assert split is not None
    primary, parts = split

    def text(node: PlanNode | None) -> str:
        return print_plan(QueryPlan(node))

    return text(primary), [text(part) for part in parts]


def test_entity_fetch_below_the_streamed_items_is_the_streams_part() -> None:
    primary, parts = _split("{ me { name reviews @stream { body product { name } } } }")
    assert primary == (
        "QueryPlan {\n"
        "  Sequence {\n"
        '    Fetch(service: "accounts") {\n'
        "      {\n"
        "        me {\n"
        "          __typename\n"
        "          name\n"
        "          id\n"
        "        }\n"
        "      }\n"
        "    },\n"
        '    Flatten(path: "me") {\n'
        '      Fetch(service: "reviews") {\n'
        "        {\n"
        "          ... on User {\n"
        "            __typename\n"
        "            id\n"
        "          }\n"
        "        } =>\n"
        "        {\n"
        "          ... on User {\n"
        "            reviews {\n"
        "              body\n"
        "              product {\n"
        "                __typename\n"
        "                upc\n"
        "              }\n"
        "            }\n"
        "          }\n"
        "        }\n"
        "      },\n"
        "    },\n"
        "  },\n"
        "}"
    )
    assert parts == [
        "QueryPlan {\n"
        '  Flatten(path: "me.reviews.@.product") {\n'
        '    Fetch(service: "products") {\n'
        "      {\n"
        "        ... on Product {\n"
        "          __typename\n"
        "          upc\n"
        "        }\n"
        "      } =>\n"
        "      {\n"
        "        ... on Product {\n"
        "          name\n"
        "        }\n"
        "      }\n"
        "    },\n"
        "  },\n"
        "}"
    ]


def test_a_stream_below_a_streamed_list_is_delivered_with_the_outer_one() -> None:
    query = "{ users { reviews @stream { body author { reviews @stream { id } } } } }"
    operation = parse(query).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    points = stream_points(SUPERGRAPH.api_schema, operation, {})
    assert [p.path for p in points] == [
        ("users", "@", "reviews"),
        ("users", "@", "reviews", "@", "author", "reviews"),
    ]
    assert [p.path for p in active_streams(points, {})] == [("users", "@", "reviews")]


def test_if_variable_switches_a_stream_off() -> None:
    query = "query($v: Boolean!) { users @stream(if: $v) { name } }"
    operation = parse(query).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    points = stream_points(SUPERGRAPH.api_schema, operation, {})
    assert active_streams(points, {"v": False}) == ()
    assert [p.path for p in active_streams(points, {"v": True})] == [("users",)]


def test_usage_errors() -> None:
    def errors(query: str) -> list[str]:
        operation = parse(query).definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        return stream_usage_errors(SUPERGRAPH.api_schema, operation, {})

    assert errors("{ topProducts @stream(initialCount: 2) { name } }") == []
    assert errors('{ product(upc: "1") @stream { name } }') == [
        'Stream directive cannot be used on non-list field "product" on type "Query".'
    ]
    assert errors("{ topProducts @stream(initialCount: -2) { name } }") == [
        "initialCount must be a positive integer"
    ]
    assert errors("query($l: String) { topProducts @stream(label: $l) { name } }") == [
        "Defer/Stream directive label argument must be a static string."
    ]


def test_payloads_are_bounded() -> None:
    items = [{"items": [n], "path": ["l", n]} for n in range(5)]
    assert item_payloads(items, 2) == [
        {"incremental": items[0:2], "hasNext": True},
        {"incremental": items[2:4], "hasNext": True},
        {"incremental": items[4:5], "hasNext": False},
    ]
