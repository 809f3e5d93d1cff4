"""Progressive ``@override(label:)`` labels enabled by the router configuration (issue 14, #6).

Federation 2.7 lets any string be a label; only ``percent(N)`` labels have a meaning of their
own. Apollo Router switches the others on by configuration: a label listed in
``override_labels`` is active for every request, one not listed never is.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import orjson

from router.config import RouterConfig
from router.gateway import Gateway
from router.planning.labels import override_label_chances
from router.request import GraphQLRequest
from router.supergraph import load_supergraph

SHOP = (Path(__file__).resolve().parent / "fixtures" / "shop.graphql").read_text()
BETA = SHOP.replace("percent(25)", "beta")
ANSWER = {"data": {"products": [{"stock": 3}]}}


async def _hosts(sdl: str, config: RouterConfig) -> list[tuple[str, str]]:
    calls: list[tuple[str, str]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append((request.url.host, orjson.loads(request.content)["query"]))
        return httpx.Response(200, content=orjson.dumps(ANSWER))

    gateway = Gateway.from_sdl(sdl, config, transport=httpx.MockTransport(handle))
    try:
        response = await gateway.execute(GraphQLRequest(query="{ products { stock } }"))
    finally:
        await gateway.aclose()
    assert response.to_dict() == ANSWER
    return calls


async def test_a_label_enabled_by_configuration_moves_the_field_to_the_overriding_subgraph() -> (
    None
):
    calls = await _hosts(BETA, RouterConfig(override_labels=["beta"]))
    assert calls == [("media.local", "query {\n  products {\n    stock\n  }\n}")]


async def test_a_label_not_enabled_leaves_the_field_where_it_was() -> None:
    calls = await _hosts(BETA, RouterConfig(override_labels=["other"]))
    assert calls == [("catalog.local", "query {\n  products {\n    stock\n  }\n}")]


def test_label_chances_follow_percent_and_configuration() -> None:
    supergraph = load_supergraph(SHOP)
    assert override_label_chances(supergraph) == (("percent(25)", 25.0),)
    assert override_label_chances(supergraph, ["percent(25)"]) == (("percent(25)", 100.0),)
    beta = load_supergraph(BETA)
    assert override_label_chances(beta) == ()
    assert override_label_chances(beta, ["beta", "unknown"]) == (("beta", 100.0),)
