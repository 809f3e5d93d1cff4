"""Gateway behaviour over recorded subgraph answers (httpx.MockTransport): plan caching,
progressive override labels, hot reload, planning failures, the query plan extension."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import orjson

from router.config import RouterConfig
from router.gateway import Gateway
from router.planning import plan_operation, print_plan
from router.request import GraphQLRequest
from router.supergraph import load_supergraph
from tests.support.waiting import until

SHOP = (
    Path(__file__).resolve().parent.parent / "planning" / "fixtures" / "shop.graphql"
).read_text()
FIXTURE_SDL = (
    Path(__file__).resolve().parent.parent / "execution" / "fixtures" / "supergraph.graphql"
).read_text()
PRODUCTS = {
    "data": {"products": [{"stock": 3, "name": "Lamp", "__typename": "Product", "id": "1"}]}
}


class Subgraphs:
    """Answers every request with ``PRODUCTS``; records (host, query); can hold answers."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.release = asyncio.Event()
        self.release.set()
        self.transport = httpx.MockTransport(self.handle)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.url.host, orjson.loads(request.content)["query"]))
        await asyncio.wait_for(self.release.wait(), 5)
        return httpx.Response(200, content=orjson.dumps(PRODUCTS))


async def test_progressive_override_labels_are_drawn_per_request() -> None:
    for percent, host in (("percent(100)", "media.local"), ("percent(0)", "catalog.local")):
        subgraphs = Subgraphs()
        sdl = SHOP.replace("percent(25)", percent)
        gateway = Gateway.from_sdl(sdl, RouterConfig(), transport=subgraphs.transport)
        response = await gateway.execute(GraphQLRequest(query="{ products { stock } }"))
        await gateway.aclose()
        assert response.to_dict() == {"data": {"products": [{"stock": 3}]}}
        assert subgraphs.calls == [(host, "query {\n  products {\n    stock\n  }\n}")]


async def test_plans_are_cached_by_normalized_signature_and_operation_name() -> None:
    planned: list[str | None] = []

    def counting_planner(*args: Any, **kwargs: Any) -> Any:
        planned.append(args[2])
        return plan_operation(*args, **kwargs)

    subgraphs = Subgraphs()
    sdl = SHOP.replace("percent(25)", "percent(100)")  # the label is always drawn: one key
    gateway = Gateway.from_sdl(
        sdl, RouterConfig(), transport=subgraphs.transport, planner=counting_planner
    )
    for query, name in [
        ("query A { products { name } } query B { products { id } }", "A"),
        ("query A {\n  products {\n    name\n  }\n}\n# comment\nquery B { products { id } }", "A"),
        ("query A { products { name } } query B { products { id } }", "B"),
        ("query A { products { name } } query B { products { id } }", "A"),
    ]:
        response = await gateway.execute(GraphQLRequest(query=query, operation_name=name))
        assert response.errors == []
    await gateway.aclose()
    assert planned == ["A", "B"]


async def test_hot_reload_keeps_in_flight_requests_on_the_old_supergraph() -> None:
    subgraphs = Subgraphs()
    subgraphs.release.clear()
    gateway = Gateway.from_sdl(SHOP, RouterConfig(), transport=subgraphs.transport)
    first = asyncio.ensure_future(gateway.execute(GraphQLRequest(query="{ products { name } }")))
    await until(lambda: len(subgraphs.calls) == 1, "the first request reached its subgraph")
    moved = SHOP.replace("http://catalog.local/graphql", "http://catalog-v2.local/graphql")
    gateway.swap_supergraph(load_supergraph(moved))
    second = asyncio.ensure_future(gateway.execute(GraphQLRequest(query="{ products { name } }")))
    await until(lambda: len(subgraphs.calls) == 2, "the second request reached its subgraph")
    subgraphs.release.set()
    results = await asyncio.gather(first, second)
    await gateway.aclose()
    assert [r.to_dict() for r in results] == [{"data": {"products": [{"name": "Lamp"}]}}] * 2
    assert [host for host, _ in subgraphs.calls] == ["catalog.local", "catalog-v2.local"]
    assert gateway.subgraph_names() == ["catalog", "media", "pricing"]


async def test_planning_failure_is_an_error_response_not_an_exception() -> None:
    def broken_planner(*_: Any, **__: Any) -> Any:
        raise RuntimeError("no way to plan")

    gateway = Gateway.from_sdl(SHOP, RouterConfig(), planner=broken_planner)
    response = await gateway.execute(GraphQLRequest(query="{ products { name } }"))
    await gateway.aclose()
    assert (response.has_data, response.status_hint) == (False, 500)
    assert response.errors == [
        {
            "message": "Query planning failed: no way to plan",
            "extensions": {"code": "QUERY_PLANNING_FAILED"},
        }
    ]


async def test_query_plan_extension_in_development_mode() -> None:
    subgraphs = Subgraphs()
    config = RouterConfig(mode="development")
    gateway = Gateway.from_sdl(SHOP, config, transport=subgraphs.transport)
    query = "{ products { name } }"
    response = await gateway.execute(GraphQLRequest(query=query, include_plan=True))
    not_asked = await gateway.execute(GraphQLRequest(query=query))
    await gateway.aclose()
    from graphql import parse

    plan = plan_operation(gateway.supergraph, parse(query), None)
    assert response.extensions["apolloQueryPlan"]["text"] == print_plan(plan)
    assert response.extensions["apolloQueryPlan"]["object"]["kind"] == "QueryPlan"
    assert not_asked.extensions == {}


async def test_only_typename_and_introspection_need_no_subgraph() -> None:
    subgraphs = Subgraphs()
    # introspection is off in production mode (router.security), so development here
    config = RouterConfig(mode="development")
    gateway = Gateway.from_sdl(SHOP, config, transport=subgraphs.transport)
    response = await gateway.execute(
        GraphQLRequest(query='{ __typename t: __type(name: "Query") { kind } }')
    )
    await gateway.aclose()
    assert response.to_dict() == {"data": {"__typename": "Query", "t": {"kind": "OBJECT"}}}
    assert subgraphs.calls == []


async def test_identical_inbound_queries_share_one_execution_but_mutations_do_not() -> None:
    calls: list[str] = []
    release = asyncio.Event()

    async def handle(request: httpx.Request) -> httpx.Response:
        body = orjson.loads(request.content)
        calls.append(body["query"])
        await asyncio.wait_for(release.wait(), 5)
        if body["query"].startswith("mutation"):
            return httpx.Response(200, json={"data": {"rename": {"name": "x"}}})
        return httpx.Response(200, json={"data": {"warehouseCount": 2}})

    config = RouterConfig(deduplicate_inbound=True)
    gateway = Gateway.from_sdl(FIXTURE_SDL, config, transport=httpx.MockTransport(handle))
    query = GraphQLRequest(query="{ warehouseCount }", headers={"authorization": "a"})
    other_caller = GraphQLRequest(query="{ warehouseCount }", headers={"authorization": "b"})
    mutation = GraphQLRequest(query='mutation { rename(id: 1, name: "x") { name } }')
    requests = [query, query, query, other_caller, mutation, mutation]
    tasks = [asyncio.ensure_future(gateway.execute(r)) for r in requests]
    await until(lambda: len(calls) >= 4, "two query callers and two mutations are in flight")
    release.set()
    responses = await asyncio.gather(*tasks)
    await gateway.aclose()
    assert [r.to_dict() for r in responses] == [{"data": {"warehouseCount": 2}}] * 4 + [
        {"data": {"rename": {"name": "x"}}}
    ] * 2
    assert responses[0] is not responses[1]
    assert sorted(calls) == sorted(
        ["query {\n  warehouseCount\n}"] * 2
        + ['mutation {\n  rename(id: 1, name: "x") {\n    name\n  }\n}'] * 2
    )


async def test_introspection_with_variables_and_skip() -> None:
    gateway = Gateway.from_sdl(FIXTURE_SDL, RouterConfig(mode="development"))  # introspection on
    query = """query ($name: String!, $hide: Boolean!) {
      t: __type(name: $name) { name kind }
      s: __schema @skip(if: $hide) { queryType { name } }
    }"""
    shown = await gateway.execute(
        GraphQLRequest(query=query, variables={"name": "Media", "hide": False})
    )
    hidden = await gateway.execute(
        GraphQLRequest(query=query, variables={"name": "Category", "hide": True})
    )
    await gateway.aclose()
    assert shown.to_dict() == {
        "data": {"t": {"name": "Media", "kind": "INTERFACE"}, "s": {"queryType": {"name": "Query"}}}
    }
    assert hidden.to_dict() == {"data": {"t": {"name": "Category", "kind": "ENUM"}}}
