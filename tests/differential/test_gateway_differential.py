"""Differential corpus (issue #4): every operation gets the same answer from our router as
from @apollo/gateway 2.14 (the reference), both running the same supergraph file over the same
live subgraphs. Answers are compared as parsed JSON, data and errors; see
:func:`tests.differential.harness.normalise` for what is left out of errors and why.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.gateways import rewrite_subgraph_urls
from servicekit.processes import free_port
from servicekit.topology import PROJECT_ROOT
from tests.differential.harness import (
    GatewayPair,
    node_missing,
    normalise,
    start_fixture_subgraphs,
    start_pair,
    strip_security_specs,
    unprefix,
)
from tests.differential.operations import DOMAIN, DOWN, FIXTURE, REFERENCE_ALIAS_BUG, Operation

pytestmark = [pytest.mark.e2e, pytest.mark.node]

FIXTURE_SDL = PROJECT_ROOT / "tests" / "execution" / "fixtures" / "supergraph.graphql"
DOMAIN_SDL = PROJECT_ROOT / "schema" / "supergraph.graphql"


def _write(path: Path, sdl: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sdl)
    return path


@pytest.fixture(scope="module", autouse=True)
def reference_gateway_installed() -> None:
    """Without node/npm or the pinned @apollo/gateway every test fails (never skips: #21)."""
    missing = node_missing()
    if missing is not None:
        pytest.fail(missing)


@pytest.fixture(scope="module")
def work_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("differential")


@pytest.fixture(scope="module")
def domain_pair(subgraph_stack: dict[str, str], work_dir: Path) -> Iterator[GatewayPair]:
    sdl = strip_security_specs(DOMAIN_SDL.read_text())
    supergraph = _write(
        work_dir / "domain" / "supergraph.graphql",
        rewrite_subgraph_urls(sdl, lambda name: subgraph_stack[name]),
    )
    with start_pair(supergraph, work_dir / "domain") as pair:
        yield pair


@pytest.fixture(scope="module")
def fixture_urls(work_dir: Path) -> Iterator[dict[str, str]]:
    with start_fixture_subgraphs(work_dir) as urls:
        yield urls


@pytest.fixture(scope="module")
def fixture_pair(fixture_urls: dict[str, str], work_dir: Path) -> Iterator[GatewayPair]:
    supergraph = _write(
        work_dir / "fixture" / "supergraph.graphql",
        rewrite_subgraph_urls(FIXTURE_SDL.read_text(), lambda name: fixture_urls[name]),
    )
    with start_pair(supergraph, work_dir / "fixture") as pair:
        yield pair


@pytest.fixture(scope="module")
def down_pair(fixture_urls: dict[str, str], work_dir: Path) -> Iterator[GatewayPair]:
    """The fixture supergraph with ``inventory`` at a port nothing listens on."""
    dead = f"http://127.0.0.1:{free_port()}/graphql"
    supergraph = _write(
        work_dir / "down" / "supergraph.graphql",
        rewrite_subgraph_urls(
            FIXTURE_SDL.read_text(),
            lambda name: dead if name == "inventory" else fixture_urls[name],
        ),
    )
    with start_pair(supergraph, work_dir / "down") as pair:
        yield pair


def _ids(operations: list[Operation]) -> list[str]:
    return [name for name, _, _ in operations]


def _compare(pair: GatewayPair, name: str, query: str, variables: dict[str, Any] | None) -> None:
    ours, reference = pair.both(query, variables)
    assert "data" in ours or "errors" in ours, ours
    if name in REFERENCE_ALIAS_BUG:  # the reference is wrong here: see operations.py
        equivalent = pair.post(pair.apollo_url, REFERENCE_ALIAS_BUG[name], variables)
        assert "errors" not in equivalent, equivalent
        reference = unprefix(equivalent)
    assert normalise(ours) == normalise(reference, reference=True)
    # Response maps are ordered (spec "Serialization Format"): same keys in the same order.
    assert json.dumps(ours.get("data")) == json.dumps(reference.get("data"))


@pytest.mark.parametrize(("name", "query", "variables"), DOMAIN, ids=_ids(DOMAIN))
def test_domain(domain_pair: GatewayPair, name: str, query: str, variables: Any) -> None:
    _compare(domain_pair, name, query, variables)


@pytest.mark.parametrize(("name", "query", "variables"), FIXTURE, ids=_ids(FIXTURE))
def test_fixture(fixture_pair: GatewayPair, name: str, query: str, variables: Any) -> None:
    _compare(fixture_pair, name, query, variables)


@pytest.mark.parametrize(("name", "query", "variables"), DOWN, ids=_ids(DOWN))
def test_subgraph_down(down_pair: GatewayPair, name: str, query: str, variables: Any) -> None:
    """``data`` must be equal and so must the number of errors. Error messages are the
    transport's own wording (ours: "HTTP fetch failed from 'inventory': ConnectError ...",
    Apollo: "request to http://.../graphql failed, reason: connect ECONNREFUSED ..."), so ours
    must only name the subgraph. Paths are not compared: Apollo gives none for a failed fetch;
    ours gives the fetch's flatten path (for example ``["topProducts", "@"]``)."""
    ours, reference = down_pair.both(query, variables)
    assert ours.get("data") == reference.get("data")
    assert len(ours.get("errors", [])) == len(reference.get("errors", []))
    for error in ours.get("errors", []):
        assert "'inventory'" in error["message"], error
