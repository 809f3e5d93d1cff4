"""The benchmark's generated subgraphs (benchmarks/composition_bench.py) compose, at small scale.

Keeps the benchmark honest: the same generator, 3 subgraphs of 6 types (18 in total), must compose and the
supergraph must hold every generated type with the neighbours' contributions.
"""

from __future__ import annotations

from graphql import build_ast_schema, parse

from benchmarks.composition_bench import generate_subgraphs
from router.composition import compose


def test_generated_subgraphs_compose() -> None:
    result = compose(generate_subgraphs(3, 6))

    assert result.errors == ()
    assert result.supergraph_sdl is not None
    schema = build_ast_schema(parse(result.supergraph_sdl))
    generated = sorted(n for n in schema.type_map if n.startswith("S") and n[1].isdigit())
    assert generated == [
        "S0Color", "S0Filter", "S0Money", "S0T0", "S0T1", "S0T2",
        "S1Color", "S1Filter", "S1Money", "S1T0", "S1T1", "S1T2",
        "S2Color", "S2Filter", "S2Money", "S2T0", "S2T1", "S2T2",
    ]  # fmt: skip
    assert sorted(schema.type_map["S1T0"].fields) == [
        "color",
        "fromS0",
        "id",
        "name",
        "next",
        "price",
    ]
