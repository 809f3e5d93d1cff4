"""Depth, alias and root-field limits: each just under and just over its limit, fragments
expanded, and the default depth limit admits the benchmark query."""

from __future__ import annotations

from graphql import DocumentNode, get_introspection_query, parse

from benchmarks.workload import QUERY_PATH
from router.limits import LimitExceeded, LimitsSettings
from tests.limits.support import measure, structure_violation

BENCHMARK_QUERY = QUERY_PATH.read_text()
"""The shared benchmark operation (its one committed copy, benchmarks/workload/query.graphql)."""


def measure_depth(document: DocumentNode, operation_name: str | None = None) -> int:
    found = measure(document, operation_name)
    return found.depth if found else 0


def count_aliases(document: DocumentNode, operation_name: str | None = None) -> int:
    found = measure(document, operation_name)
    return found.aliases if found else 0


def count_root_fields(document: DocumentNode, operation_name: str | None = None) -> int:
    found = measure(document, operation_name)
    return found.root_fields if found else 0


def check_depth(document: DocumentNode, name: str | None, limit: int) -> LimitExceeded | None:
    return structure_violation(document, LimitsSettings(max_depth=limit), name)


def check_aliases(document: DocumentNode, name: str | None, limit: int) -> LimitExceeded | None:
    return structure_violation(document, LimitsSettings(max_aliases=limit), name)


def check_root_fields(document: DocumentNode, name: str | None, limit: int) -> LimitExceeded | None:
    return structure_violation(document, LimitsSettings(max_root_fields=limit), name)


def nested(depth: int) -> str:
    """``{ a { a { ... leaf } } }`` with ``depth`` levels of fields."""
    return "{ " + "a { " * (depth - 1) + "leaf" + " }" * (depth - 1) + " }"


def test_depth_counts_root_fields_as_one() -> None:
    assert measure_depth(parse("{ a }")) == 1
    assert measure_depth(parse(nested(5))) == 5


def test_depth_just_under_and_over_the_limit() -> None:
    assert check_depth(parse(nested(4)), None, 4) is None
    assert check_depth(parse(nested(5)), None, 4) == LimitExceeded(
        "MAX_DEPTH_EXCEEDED", "The operation has depth 5, more than the limit 4.", 5, 4
    )


def test_depth_through_fragments_and_inline_fragments() -> None:
    document = parse(
        """
        query Q { me { ...F } }
        fragment F on User { friends { ... on User { friends { name } } } }
        """
    )
    assert measure_depth(document, "Q") == 4


def test_depth_survives_a_fragment_cycle() -> None:
    document = parse("{ a { ...A } } fragment A on T { b { ...B } } fragment B on T { c { ...A } }")
    assert measure_depth(document) == 3


def test_introspection_counts_as_one_level_so_graphiql_loads_its_schema() -> None:
    # GraphiQL's schema query nests ofType 15 levels deep; the router answers it itself.
    graphiql = parse(get_introspection_query(descriptions=True))
    assert measure_depth(graphiql) == 1
    assert check_depth(graphiql, None, LimitsSettings().max_depth) is None
    mixed = parse('{ __type(name: "T") { fields { type { ofType { name } } } } ' + nested(5)[2:])
    assert measure_depth(mixed) == 5


def test_the_benchmark_query_is_depth_8_and_passes_the_default_limit() -> None:
    document = parse(BENCHMARK_QUERY)
    assert measure_depth(document, "TestQuery") == 8
    assert LimitsSettings().max_depth == 12
    assert check_depth(document, "TestQuery", LimitsSettings().max_depth) is None
    assert check_aliases(document, "TestQuery", LimitsSettings().max_aliases) is None
    assert check_root_fields(document, "TestQuery", LimitsSettings().max_root_fields) is None


def test_aliases_are_counted_per_spread() -> None:
    document = parse(
        """
        query Q { a1: me { ...F } a2: me { ...F } plain: name }
        fragment F on User { x: id y: id z: name }
        """
    )
    assert count_aliases(document, "Q") == 3 + 3 * 2
    assert check_aliases(document, "Q", 9) is None
    assert check_aliases(document, "Q", 8) == LimitExceeded(
        "MAX_ALIASES_EXCEEDED", "The operation uses 9 aliases, more than the limit 8.", 9, 8
    )


def test_root_fields_through_fragments() -> None:
    document = parse(
        """
        query Q { a b ...R ... on Query { c d } e: a }
        fragment R on Query { f g }
        """
    )
    assert count_root_fields(document, "Q") == 7
    assert check_root_fields(document, "Q", 7) is None
    exceeded = check_root_fields(document, "Q", 6)
    assert exceeded == LimitExceeded(
        "MAX_ROOT_FIELDS_EXCEEDED",
        "The operation selects 7 root fields, more than the limit 6.",
        7,
        6,
    )
    assert exceeded.to_graphql_error() == {
        "message": "The operation selects 7 root fields, more than the limit 6.",
        "extensions": {"code": "MAX_ROOT_FIELDS_EXCEEDED", "measured": 7, "limit": 6},
    }


def test_the_selected_operation_is_measured() -> None:
    document = parse("query Small { a } query Big { " + "b " * 30 + "}")
    assert count_root_fields(document, "Small") == 1
    assert count_root_fields(document, "Big") == 30
    assert count_root_fields(document, None) == 0  # ambiguous: validation reports it
    assert count_root_fields(document, "Missing") == 0
