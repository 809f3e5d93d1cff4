"""Randomized cross-check: seeded random subgraph sets compose the same as @apollo/composition.

For each seed (tests/composition/random_subgraphs.py) both compositions must give the same
schema (compared as schemas, order-free: seed40's printed text differs from Apollo's in the order
of the @inaccessible and @tag @links), or fail with the same error codes (and as many of each).
Fails without Node.js. The README's "text-identical" claim is about the fixtures
(tests/composition/test_reference.py compares their printed text).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.composition.random_subgraphs import random_subgraphs
from tests.composition.support import (
    compose_case,
    ensure_reference_installed,
    normalize_schema,
    reference_compose_many,
)

pytestmark = pytest.mark.node

SEEDS = range(80)
CASES = {f"seed{seed}": random_subgraphs(seed) for seed in SEEDS}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    reason = ensure_reference_installed()
    if reason is not None:
        pytest.fail(reason)  # a cross-check that cannot run fails (issue #21)
    return reference_compose_many(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_result_as_apollo(reference: dict[str, dict[str, Any]], name: str) -> None:
    ours = compose_case(CASES[name])
    theirs = reference[name]

    if "supergraphSdl" in theirs:
        assert ours.supergraph_sdl is not None, ours.errors
        assert normalize_schema(ours.supergraph_sdl) == normalize_schema(theirs["supergraphSdl"])
    else:
        assert sorted(ours.error_codes) == sorted(e["code"] for e in theirs["errors"])


def test_the_seeds_exercise_both_outcomes(reference: dict[str, dict[str, Any]]) -> None:
    composed = sum("supergraphSdl" in answer for answer in reference.values())
    assert 10 <= composed <= len(SEEDS) - 10
