"""Random differential (issue 14), the CI slice: the first 200 operations of seed 14 over the
fixture supergraph (tests/execution/fixtures: @key variants, @requires, @provides, @override,
@interfaceObject, a union and an interface across subgraphs, @inaccessible), sent to our router,
@apollo/gateway 2.14 and Hive Gateway 2.15 (pinned in benchmarks/node). No operation may
differ where both references agree; the full run is
``python -m tests.differential.random_run --n 10000 --seed 14`` (figures in the README).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.differential.harness import node_missing
from tests.differential.random_run import run_fixture

pytestmark = [pytest.mark.e2e, pytest.mark.node]

COUNT = 200
SEED = 14


def test_no_difference_where_the_references_agree(tmp_path: Path) -> None:
    missing = node_missing()
    if missing is not None:
        pytest.fail(missing)
    outcome = run_fixture(COUNT, SEED, hive=True, work_dir=tmp_path)
    assert sum(outcome.counts.values()) == COUNT
    assert outcome.differences == [], dict(outcome.counts)
    # the run is meaningful: most operations have an oracle and ours agrees with it
    assert outcome.counts["agree"] >= COUNT * 0.9, dict(outcome.counts)
