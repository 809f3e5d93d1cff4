"""The committed schema/supergraph.graphql is exactly what ``schema compose`` produces.

SDLs in schema/subgraphs/ that do not compose fail it with the composition errors (what to fix);
so do a missing or stale schema/supergraph.graphql.
"""

from __future__ import annotations

import pytest

from router.composition import compose
from router.registry.sources import SUPERGRAPH_PATH, load_subgraph_inputs
from servicekit.topology import PROJECT_ROOT


def test_committed_supergraph_equals_composition() -> None:
    result = compose(load_subgraph_inputs(PROJECT_ROOT))
    if result.supergraph_sdl is None:
        pytest.fail("schema/subgraphs do not compose: " + "; ".join(str(e) for e in result.errors))
    committed = PROJECT_ROOT / SUPERGRAPH_PATH

    assert committed.is_file(), "run `schema compose` and commit schema/supergraph.graphql"
    assert committed.read_text() == result.supergraph_sdl
