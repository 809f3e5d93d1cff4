"""The BFFs' operation limits over parsed documents: what is measured and the whole refusals."""

from __future__ import annotations

import pytest
from graphql import get_introspection_query, parse

from bff.limits import OperationLimits, OperationLimitsSettings, Shape, measure
from bff.manifests import load_manifest

LIMITS = OperationLimits(OperationLimitsSettings())


def test_fragments_are_expanded_where_spread_and_cycles_count_as_nothing() -> None:
    document = parse(
        """
        query Q { a: homePage { ...F } b: homePage { ...F } account { id } }
        fragment F on HomePage { x: featured { upc ...G } }
        fragment G on ProductCard { rating { count } ...G }
        """
    )
    # comparisons: `upc` with the spread of G, `rating` with the spread of G
    assert measure(document) == ([Shape(depth=4, aliases=4, fields=3)], 2)


def test_merge_comparisons_count_fields_sharing_a_response_key() -> None:
    document = parse("{ homePage { featured { name name name ... on ProductCard { name } } } }")
    assert measure(document)[1] == 6  # 4 `name` fields: 6 pairs


def test_introspection_counts_as_one_level_and_graphiql_schema_query_passes() -> None:
    assert LIMITS.check(get_introspection_query()) is None


@pytest.mark.parametrize("client", ["web", "mobile"])
def test_every_persisted_operation_is_within_the_limits(client: str) -> None:
    assert [op.name for op in load_manifest(client).operations if LIMITS.check(op.body)] == []


@pytest.mark.parametrize(
    ("query", "error"),
    [
        (
            "{ homePage { featured { " + " ".join(f"u{i}: upc" for i in range(31)) + " } } }",
            {
                "message": "The operation uses 31 aliases, more than the limit 30.",
                "extensions": {"code": "MAX_ALIASES_EXCEEDED", "measured": 31, "limit": 30},
            },
        ),
        (
            "{ " + " ".join("homePage { featured { upc } }" for _ in range(21)) + " }",
            {
                "message": "The operation selects 21 root fields, more than the limit 20.",
                "extensions": {"code": "MAX_ROOT_FIELDS_EXCEEDED", "measured": 21, "limit": 20},
            },
        ),
        (
            "{ " + "a { " * 13 + "b" + " }" * 13 + " }",
            {
                "message": "The operation has depth 14, more than the limit 12.",
                "extensions": {"code": "MAX_DEPTH_EXCEEDED", "measured": 14, "limit": 12},
            },
        ),
        (
            "{ homePage { featured { " + "name " * 29 + "} } }",
            {
                "message": "The document needs 406 field comparisons, more than the limit 400.",
                "extensions": {
                    "code": "MAX_MERGE_COMPARISONS_EXCEEDED",
                    "measured": 406,
                    "limit": 400,
                },
            },
        ),
        (
            "{ homePage { featured { " + "upc " * 2000 + "} } }",
            {
                "message": "The document has more than 2000 tokens, the limit.",
                "extensions": {"code": "MAX_TOKENS_EXCEEDED", "limit": 2000},
            },
        ),
        (
            "# " + "x" * 70_000 + "\n{ homePage { featured { upc } } }",
            {
                "message": "The document has 70036 bytes, more than the limit 65536.",
                "extensions": {
                    "code": "MAX_DOCUMENT_SIZE_EXCEEDED",
                    "measured": 70036,
                    "limit": 65536,
                },
            },
        ),
    ],
    ids=["aliases", "root-fields", "depth", "merge-comparisons", "tokens", "bytes"],
)
def test_refusals(query: str, error: dict[str, object]) -> None:
    violation = LIMITS.check(query)
    assert violation is not None and violation.to_graphql_error() == error
    assert LIMITS.check(query) == violation  # memoized by the text's hash


def test_a_syntax_error_is_left_to_graphql_validation() -> None:
    assert LIMITS.check("{ homePage {") is None
