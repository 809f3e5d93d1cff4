"""PlanExecutor with hand-built plans and recorded subgraph answers (httpx.MockTransport)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest

from router.config import RouterConfig
from router.execution import PlanExecutor, SubgraphClients, TypeMatcher
from router.planning.plan import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    KeyRenamer,
    ParallelNode,
    QueryPlan,
    RequiresField,
    RequiresInlineFragment,
    SequenceNode,
    ValueSetter,
)
from tests.support.waiting import until

URLS = {"products": "http://products/graphql", "reviews": "http://reviews/graphql"}
ENTITIES = (
    "query($representations:[_Any!]!){_entities(representations:$representations)"
    "{...on Product{reviews{body}}}}"
)
PRODUCT_KEY = (
    RequiresInlineFragment("Product", (RequiresField("__typename"), RequiresField("upc"))),
)
TOP_PRODUCTS = FetchNode("products", "{topProducts{__typename upc name}}")
REVIEWS = FlattenNode(("topProducts", "@"), FetchNode("reviews", ENTITIES, requires=PRODUCT_KEY))

Answer = Callable[[dict[str, Any]], Any]


class Recorder:
    """A MockTransport that answers per subgraph host and records every request."""

    def __init__(self, answers: dict[str, Answer]) -> None:
        self.answers = answers
        self.requests: list[tuple[str, dict[str, Any], httpx.Headers]] = []
        self.transport = httpx.MockTransport(self._handle)

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        body = orjson.loads(request.content)
        self.requests.append((request.url.host, body, request.headers))
        answer = self.answers[request.url.host](body)
        if asyncio.iscoroutine(answer):
            answer = await answer
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, content=orjson.dumps(answer))


def executor(recorder: Recorder, config: RouterConfig | None = None) -> PlanExecutor:
    config = config or RouterConfig()
    clients = SubgraphClients(config, transport=recorder.transport)
    return PlanExecutor(clients, config, URLS, TypeMatcher())


def products(_: dict[str, Any]) -> Any:
    items = [("1", "Table"), ("2", "Couch"), ("1", "Table")]
    return {
        "data": {"topProducts": [{"__typename": "Product", "upc": u, "name": n} for u, n in items]}
    }


async def test_entities_are_deduplicated_and_merged_back_into_every_object() -> None:
    def reviews(body: dict[str, Any]) -> Any:
        reps = body["variables"]["representations"]
        return {"data": {"_entities": [{"reviews": [{"body": f"on {r['upc']}"}]} for r in reps]}}

    recorder = Recorder({"products": products, "reviews": reviews})
    result = await executor(recorder).execute(
        QueryPlan(SequenceNode((TOP_PRODUCTS, REVIEWS))), {}, {}
    )
    assert result.errors == []
    assert result.data == {
        "topProducts": [
            {"__typename": "Product", "upc": "1", "name": "Table", "reviews": [{"body": "on 1"}]},
            {"__typename": "Product", "upc": "2", "name": "Couch", "reviews": [{"body": "on 2"}]},
            {"__typename": "Product", "upc": "1", "name": "Table", "reviews": [{"body": "on 1"}]},
        ]
    }
    assert [(host, body) for host, body, _ in recorder.requests] == [
        ("products", {"query": "{topProducts{__typename upc name}}"}),
        (
            "reviews",
            {
                "query": ENTITIES,
                "variables": {
                    "representations": [
                        {"__typename": "Product", "upc": "1"},
                        {"__typename": "Product", "upc": "2"},
                    ]
                },
            },
        ),
    ]


async def test_entity_errors_are_repathed_to_every_client_object() -> None:
    def reviews(_: dict[str, Any]) -> Any:
        return {
            "data": {"_entities": [{"reviews": [{"body": None}]}, {"reviews": []}]},
            "errors": [
                {
                    "message": "body hidden",
                    "path": ["_entities", 0, "reviews", 0, "body"],
                    "locations": [{"line": 1, "column": 2}],
                    "extensions": {"code": "FORBIDDEN"},
                },
                {"message": "no path"},
            ],
        }

    recorder = Recorder({"products": products, "reviews": reviews})
    result = await executor(recorder).execute(
        QueryPlan(SequenceNode((TOP_PRODUCTS, REVIEWS))), {}, {}
    )
    assert result.errors == [
        {
            "message": "body hidden",
            "path": ["topProducts", 0, "reviews", 0, "body"],
            "extensions": {"code": "FORBIDDEN", "service": "reviews"},
        },
        {
            "message": "body hidden",
            "path": ["topProducts", 2, "reviews", 0, "body"],
            "extensions": {"code": "FORBIDDEN", "service": "reviews"},
        },
        {"message": "no path", "path": ["topProducts", "@"], "extensions": {"service": "reviews"}},
    ]


@pytest.mark.parametrize(
    ("response", "code", "message"),
    [
        (
            httpx.Response(500, text="boom"),
            "SUBREQUEST_HTTP_ERROR",
            "HTTP fetch failed from 'reviews': 500: Internal Server Error",
        ),
        (
            httpx.Response(200, text="<html>not json"),
            "SUBREQUEST_MALFORMED_RESPONSE",
            "service 'reviews' response was malformed: expected a JSON object with data or errors",
        ),
        (
            httpx.Response(200, json={"extensions": {}}),
            "SUBREQUEST_MALFORMED_RESPONSE",
            "service 'reviews' response was malformed: expected a JSON object with data or errors",
        ),
    ],
)
async def test_a_failing_entity_fetch_leaves_partial_data_and_one_error(
    response: httpx.Response, code: str, message: str
) -> None:
    recorder = Recorder({"products": products, "reviews": lambda _: response})
    result = await executor(recorder).execute(
        QueryPlan(SequenceNode((TOP_PRODUCTS, REVIEWS))), {}, {}
    )
    assert result.data == products({})["data"]
    assert [e["message"] for e in result.errors] == [message]
    assert result.errors[0]["path"] == ["topProducts", "@"]
    assert result.errors[0]["extensions"]["code"] == code
    assert result.errors[0]["extensions"]["service"] == "reviews"
    assert result.covered == [("topProducts", "@")]


async def test_connection_failure_of_a_root_fetch_covers_its_fields() -> None:
    def refuse(_: dict[str, Any]) -> Any:
        raise httpx.ConnectError("Connection refused")

    recorder = Recorder({"products": refuse})
    result = await executor(recorder).execute(QueryPlan(TOP_PRODUCTS), {}, {})
    assert result.data == {}
    assert result.errors == [
        {
            "message": "HTTP fetch failed from 'products': ConnectError: Connection refused",
            "extensions": {
                "code": "SUBREQUEST_HTTP_ERROR",
                "service": "products",
                "reason": "ConnectError: Connection refused",
            },
        }
    ]
    assert result.covered == [("topProducts",)]


async def test_a_slow_subgraph_times_out() -> None:
    async def slow(_: dict[str, Any]) -> Any:
        await asyncio.sleep(5)
        return {"data": {}}

    config = RouterConfig.model_validate({"subgraphs": {"products": {"timeout_seconds": 0.05}}})
    recorder = Recorder({"products": slow})
    result = await executor(recorder, config).execute(QueryPlan(TOP_PRODUCTS), {}, {})
    assert result.errors == [
        {
            "message": "Your request has been timed out",
            "extensions": {"code": "GATEWAY_TIMEOUT", "service": "products"},
        }
    ]


async def test_parallel_fetches_run_concurrently_and_only_used_variables_are_sent() -> None:
    arrived: list[str] = []
    both = asyncio.Event()

    async def answer(body: dict[str, Any]) -> Any:
        arrived.append(body["query"])
        if len(arrived) == 2:
            both.set()
        await asyncio.wait_for(both.wait(), 2)
        return {"data": {"a" if "a" in body["query"] else "b": 1}}

    plan = QueryPlan(
        ParallelNode(
            (
                FetchNode("products", "query($x:Int){a(x:$x)}", variable_usages=("x",)),
                FetchNode("reviews", "query($y:Int){b(y:$y)}", variable_usages=("y", "z")),
            )
        )
    )
    recorder = Recorder({"products": answer, "reviews": answer})
    result = await executor(recorder).execute(plan, {"x": 1, "y": 2, "w": 3}, {})
    assert result.data == {"a": 1, "b": 1}
    sent = sorted((host, body.get("variables")) for host, body, _ in recorder.requests)
    assert sent == [("products", {"x": 1}), ("reviews", {"y": 2})]


async def test_condition_node_branches_on_the_coerced_variable() -> None:
    recorder = Recorder({"products": lambda b: {"data": {"x": b["query"]}}})
    plan = QueryPlan(
        ConditionNode("flag", FetchNode("products", "{yes}"), FetchNode("products", "{no}"))
    )
    assert (await executor(recorder).execute(plan, {"flag": True}, {})).data == {"x": "{yes}"}
    assert (await executor(recorder).execute(plan, {"flag": False}, {})).data == {"x": "{no}"}


async def test_headers_are_propagated_renamed_and_inserted() -> None:
    config = RouterConfig.model_validate(
        {
            "all_subgraphs": {
                "headers": [
                    {"propagate": "authorization"},
                    {"propagate": "x-tenant", "rename": "x-org"},
                    {"insert": "x-router", "value": "py"},
                ]
            }
        }
    )
    recorder = Recorder({"products": products})
    inbound = {"authorization": "Bearer t", "x-tenant": "acme", "cookie": "secret"}
    await executor(recorder, config).execute(QueryPlan(TOP_PRODUCTS), {}, inbound)
    headers = recorder.requests[0][2]
    assert headers["authorization"] == "Bearer t"
    assert headers["x-org"] == "acme"
    assert headers["x-router"] == "py"
    assert "cookie" not in headers and "x-tenant" not in headers


async def test_identical_in_flight_queries_are_sent_once_but_never_mutations() -> None:
    gate = asyncio.Event()

    async def answer(body: dict[str, Any]) -> Any:
        await asyncio.wait_for(gate.wait(), 2)
        return {"data": {"v": 1}}

    config = RouterConfig.model_validate({"all_subgraphs": {"deduplicate_queries": True}})
    recorder = Recorder({"products": answer})
    run = executor(recorder, config)
    query = QueryPlan(FetchNode("products", "{v}"))
    mutation = QueryPlan(FetchNode("products", "mutation{v}", operation_kind="mutation"))
    tasks = [
        asyncio.ensure_future(run.execute(p, {}, {})) for p in (query, query, mutation, mutation)
    ]
    await until(lambda: len(recorder.requests) >= 3, "one query and two mutations in flight")
    gate.set()
    results = await asyncio.gather(*tasks)
    assert [r.data for r in results] == [{"v": 1}] * 4
    assert results[0].data is not results[1].data
    assert sorted(body["query"] for _, body, _ in recorder.requests) == ["mutation{v}"] * 2 + [
        "{v}"
    ]


async def test_requires_shape_rewrites_and_skipped_objects() -> None:
    requires = (
        RequiresInlineFragment(
            "Book",
            (
                RequiresField("__typename"),
                RequiresField("id"),
                RequiresField("dims", (RequiresField("w"),)),
            ),
        ),
    )
    fetch = FetchNode(
        "reviews",
        "query($representations:[_Any!]!){_entities(representations:$representations){...on Media{t}}}",
        requires=requires,
        input_rewrites=(ValueSetter(("... on Book", "__typename"), "Media"),),
        output_rewrites=(KeyRenamer(("... on Media", "t"), "title"),),
    )
    data = {
        "items": [
            {"__typename": "Book", "id": "1", "dims": {"w": 2, "h": 3}},
            {"__typename": "Movie", "id": "2"},
            {"__typename": "Book", "id": "3"},
        ]
    }
    recorder = Recorder(
        {
            "products": lambda _: {"data": data},
            "reviews": lambda _: {"data": {"_entities": [{"__typename": "Media", "t": "T"}]}},
        }
    )
    plan = QueryPlan(
        SequenceNode(
            (FetchNode("products", "{items{__typename id}}"), FlattenNode(("items", "@"), fetch))
        )
    )
    result = await executor(recorder).execute(plan, {}, {})
    assert recorder.requests[1][1]["variables"] == {
        "representations": [{"__typename": "Media", "id": "1", "dims": {"w": 2}}]
    }
    assert result.data["items"][0] == {
        "__typename": "Media",
        "id": "1",
        "dims": {"w": 2, "h": 3},
        "title": "T",
    }
    assert result.data["items"][1:] == data["items"][1:]


def guarded_executor(recorder: Recorder, **resilience: Any) -> PlanExecutor:
    from router.resilience import SubgraphGuards
    from router.resilience.settings import ResilienceSettings

    config = RouterConfig()
    guards = SubgraphGuards(ResilienceSettings.model_validate(resilience))
    clients = SubgraphClients(config, transport=recorder.transport, guards=guards)
    return PlanExecutor(clients, config, URLS, TypeMatcher())


async def test_guarded_queries_retry_transient_failures() -> None:
    statuses = [503, 200]

    def flaky(_: dict[str, Any]) -> Any:
        status = statuses.pop(0)
        return products({}) if status == 200 else httpx.Response(status)

    recorder = Recorder({"products": flaky})
    run = guarded_executor(recorder, retry={"max_attempts": 2, "base_delay_seconds": 0})
    result = await run.execute(QueryPlan(TOP_PRODUCTS), {}, {})
    assert result.errors == [] and result.data == products({})["data"]
    assert len(recorder.requests) == 2


async def test_guarded_subgraph_opens_its_circuit_after_failures() -> None:
    recorder = Recorder({"products": lambda _: httpx.Response(500, text="down")})
    run = guarded_executor(
        recorder,
        breaker={"minimum_requests": 2, "failure_ratio": 0.5, "open_seconds": 60},
        retry={"max_attempts": 1},
    )
    codes = []
    for _ in range(3):
        result = await run.execute(QueryPlan(TOP_PRODUCTS), {}, {})
        codes.append(result.errors[0]["extensions"]["code"])
    assert codes == ["SUBREQUEST_HTTP_ERROR", "SUBREQUEST_HTTP_ERROR", "SUBGRAPH_CIRCUIT_OPEN"]
    assert len(recorder.requests) == 2
    assert result.errors[0] == {
        "message": "subgraph 'products' is unavailable (circuit open)",
        "extensions": {"code": "SUBGRAPH_CIRCUIT_OPEN", "service": "products"},
    }


async def test_representations_with_a_null_key_are_not_sent() -> None:
    def with_null_key(_: dict[str, Any]) -> Any:
        items = [{"__typename": "Product", "upc": None}, {"__typename": "Product", "upc": "2"}]
        return {"data": {"topProducts": items}}

    def reviews(body: dict[str, Any]) -> Any:
        reps = body["variables"]["representations"]
        return {"data": {"_entities": [{"reviews": []} for _ in reps]}}

    recorder = Recorder({"products": with_null_key, "reviews": reviews})
    config = RouterConfig()
    clients = SubgraphClients(config, transport=recorder.transport)
    keys = {"reviews": {"Product": frozenset({"upc"})}}
    run = PlanExecutor(clients, config, URLS, TypeMatcher(), keys)
    result = await run.execute(QueryPlan(SequenceNode((TOP_PRODUCTS, REVIEWS))), {}, {})
    assert recorder.requests[1][1]["variables"] == {
        "representations": [{"__typename": "Product", "upc": "2"}]
    }
    assert result.data == {
        "topProducts": [
            {"__typename": "Product", "upc": None},
            {"__typename": "Product", "upc": "2", "reviews": []},
        ]
    }


async def test_errors_under_shared_entity_answers_reach_every_client_position() -> None:
    def twice(_: dict[str, Any]) -> Any:
        item = {"__typename": "Product", "upc": "1"}
        return {"data": {"topProducts": [dict(item), dict(item)]}}

    def reviews(_: dict[str, Any]) -> Any:
        author = {"__typename": "User", "id": "u1"}
        return {"data": {"_entities": [{"reviews": [{"author": author}]}]}}

    def accounts(body: dict[str, Any]) -> Any:
        assert body["variables"]["representations"] == [{"__typename": "User", "id": "u1"}]
        return {
            "data": {"_entities": [None]},
            "errors": [{"message": "gone", "path": ["_entities", 0, "name"]}],
        }

    authors = FlattenNode(
        ("topProducts", "@", "reviews", "@", "author"),
        FetchNode(
            "accounts",
            "query($representations:[_Any!]!){_entities(representations:$representations){...on User{name}}}",
            requires=(
                RequiresInlineFragment("User", (RequiresField("__typename"), RequiresField("id"))),
            ),
        ),
    )
    urls = {**URLS, "accounts": "http://accounts/graphql"}
    recorder = Recorder({"products": twice, "reviews": reviews, "accounts": accounts})
    config = RouterConfig()
    run = PlanExecutor(
        SubgraphClients(config, transport=recorder.transport), config, urls, TypeMatcher()
    )
    result = await run.execute(QueryPlan(SequenceNode((TOP_PRODUCTS, REVIEWS, authors))), {}, {})
    assert [e["path"] for e in result.errors] == [
        ["topProducts", 0, "reviews", 0, "author", "name"],
        ["topProducts", 1, "reviews", 0, "author", "name"],
    ]
    assert ("topProducts", 1, "reviews", 0, "author") in result.covered


async def test_the_client_address_replaces_a_forwarded_for_header_where_configured() -> None:
    """Issue #11: the accounts service tells login clients apart by the address the router
    resolved; a client-written X-Forwarded-For (even one a rule propagates) never reaches it."""
    rules = {"headers": [{"propagate": "x-forwarded-for"}]}
    inbound = {"x-forwarded-for": "203.0.113.7"}
    sent = []
    for forward, address in ((True, "198.51.100.4"), (True, None), (False, "198.51.100.4")):
        config = RouterConfig.model_validate(
            {"all_subgraphs": rules, "subgraphs": {"products": {"forward_client_address": forward}}}
        )
        recorder = Recorder({"products": products})
        await executor(recorder, config).execute(
            QueryPlan(TOP_PRODUCTS), {}, inbound, client_address=address
        )
        sent.append(recorder.requests[0][2].get("x-forwarded-for"))
    assert sent == ["198.51.100.4", None, "203.0.113.7"]
