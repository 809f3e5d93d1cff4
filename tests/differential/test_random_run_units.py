"""The random run's bookkeeping over several supergraphs (issue 14): how ``--n`` is split over
the suites, that a suite's operations depend only on (seed, suite), and what a run without the
audit checkout says. The runs themselves are test_random_differential.py (CI) and
``python -m tests.differential.random_run --suites all`` (every audit suite, locally)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from router.supergraph import load_supergraph
from tests.differential.audit_suites import audit_missing
from tests.differential.random_ops import generate
from tests.differential.random_run import FIXTURE_SDL, split, suite_rng, suite_workers


def test_operations_are_split_evenly_and_all_of_them() -> None:
    assert split(10_000, 47) == [213] * 36 + [212] * 11
    assert split(5, 3) == [2, 2, 1]
    assert sum(split(10_000, 47)) == 10_000


def test_a_suites_operations_depend_on_the_seed_and_its_name_only() -> None:
    schema = load_supergraph(FIXTURE_SDL.read_text()).api_schema
    first = [generate(schema, suite_rng(14, "typename")).query for _ in range(1)]
    random.Random(99).random()  # other generators in between change nothing
    again = [generate(schema, suite_rng(14, "typename")).query for _ in range(1)]
    other = [generate(schema, suite_rng(14, "node")).query for _ in range(1)]
    assert first == again
    assert first != other


def test_without_an_audit_checkout_the_run_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AUDIT_DIR", raising=False)
    assert audit_missing() == (
        "AUDIT_DIR is not set (a graphql-hive/federation-gateway-audit checkout, npm ci done)"
    )
    monkeypatch.setenv("AUDIT_DIR", str(tmp_path))
    assert audit_missing() == f"AUDIT_DIR={tmp_path} has no node_modules/tsx (run npm ci there)"


def test_a_suite_whose_reads_change_its_data_runs_one_operation_at_a_time() -> None:
    assert suite_workers("mutations", 3) == 1
    assert suite_workers("typename", 3) == 3
    assert suite_workers("fixture", 2) == 2
