"""One secured platform (the subgraph processes, accounts' JWKS) for the package; a supergraph
composed from the committed subgraph SDLs with a real ``@policy`` on ``Product.description``
(added to the products SDL before composition, as a subgraph would declare it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from router.composition import SubgraphInput, compose
from servicekit.topology import load_subgraphs
from tests.security.e2e.platform import Platform, running_platform

POLICIES = '[["catalog_staff"], ["partner", "verified"]]'


def policy_supergraph_sdl() -> str:
    inputs = []
    for entry in load_subgraphs():
        sdl = entry.schema_file.read_text()
        if entry.name == "products":
            imports = '"@requiresScopes", "@shareable"]'
            field = "  description: String!\n"
            if imports not in sdl or field not in sdl:
                pytest.fail("the products SDL changed: update the @policy fixture")
            sdl = sdl.replace(imports, '"@requiresScopes", "@shareable", "@policy"]')
            sdl = sdl.replace(field, f"  description: String! @policy(policies: {POLICIES})\n")
        inputs.append(SubgraphInput(entry.name, entry.routing_url, sdl))
    result = compose(inputs)
    if not result.ok or result.supergraph_sdl is None:
        pytest.fail(f"the fixture does not compose: {result.error_codes}")
    return result.supergraph_sdl


@pytest.fixture(scope="package")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with running_platform(tmp_path_factory.mktemp("plugins")) as running:
        yield running


@pytest.fixture(scope="package")
def supergraph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("supergraph") / "supergraph.graphql"
    path.write_text(policy_supergraph_sdl())
    return path
