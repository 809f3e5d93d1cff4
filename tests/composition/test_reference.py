"""Cross-check with the reference: @apollo/composition 2.14.4 composes the same fixtures.

Every positive fixture of the feature tests must give the same printed supergraph, character for
character (ours ends with a newline, as a file does; Apollo's string does not);
every error fixture must fail there with the same error codes (and, except for
SATISFIABILITY_ERROR explanations, the same messages). The pinned npm packages are
installed with ``npm ci`` from tests/composition/reference into the git-ignored .cache folder.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

import pytest

from tests.composition.support import (
    compose_case,
    ensure_reference_installed,
    reference_compose_many,
)

pytestmark = pytest.mark.node

_HERE = Path(__file__).resolve().parent


def _fixtures(attribute: str) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for module_info in pkgutil.iter_modules([str(_HERE)]):
        if not module_info.name.startswith("test_") or module_info.name.startswith(
            "test_reference"
        ):
            continue
        module = importlib.import_module(f"tests.composition.{module_info.name}")
        for name, subgraphs in getattr(module, attribute, {}).items():
            found[f"{module_info.name}::{name}"] = subgraphs
    return found


POSITIVE = _fixtures("CASES")
FAILING = _fixtures("ERROR_CASES")


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    """Apollo's answers for every fixture, from one Node.js process."""
    reason = ensure_reference_installed()
    if reason is not None:
        pytest.fail(reason)  # a cross-check that cannot run fails (issue #21)
    return reference_compose_many({**POSITIVE, **FAILING})


@pytest.mark.parametrize("name", sorted(POSITIVE))
def test_same_supergraph_as_apollo(reference: dict[str, dict[str, Any]], name: str) -> None:
    ours = compose_case(POSITIVE[name])
    theirs = reference[name]

    assert "errors" not in theirs, theirs
    assert ours.supergraph_sdl is not None, ours.errors
    assert ours.supergraph_sdl == theirs["supergraphSdl"] + "\n"  # text, as README says


@pytest.mark.parametrize("name", sorted(FAILING))
def test_same_error_codes_as_apollo(reference: dict[str, dict[str, Any]], name: str) -> None:
    ours = compose_case(FAILING[name])
    theirs = reference[name]

    assert sorted(ours.error_codes) == sorted(e["code"] for e in theirs.get("errors", []))
    assert ours.error_codes
    if "SATISFIABILITY_ERROR" not in ours.error_codes:  # those explain a little differently
        assert sorted(e.message for e in ours.errors) == sorted(
            e["message"] for e in theirs["errors"]
        )


def test_fixtures_were_collected() -> None:
    assert len(POSITIVE) >= 18
    assert len(FAILING) >= 20
