"""``_entities`` chunking in the plan executor (issue #18): ``max_representations_per_fetch``
splits the representations into consecutive chunks, each its own request, merged in order; an
error's ``_entities`` index and a failed chunk reach exactly that chunk's objects."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from router.config import AllSubgraphs, RouterConfig, SubgraphConfig
from router.execution.representations import Representations
from router.planning.plan import QueryPlan, SequenceNode
from tests.execution.test_executor import ENTITIES, REVIEWS, TOP_PRODUCTS, Recorder, executor

UPCS = ["1", "2", "3", "4", "5"]


def products(_: dict[str, Any]) -> Any:
    return {"data": {"topProducts": [{"__typename": "Product", "upc": u} for u in UPCS]}}


def test_chunks_are_consecutive_slices_in_order() -> None:
    encoded = [orjson.Fragment(str(i).encode()) for i in range(5)]
    targets: list[list[dict[str, Any]]] = [[{"i": i}] for i in range(5)]
    whole = Representations(encoded, targets)
    chunks = whole.chunks(2)
    assert [[t[0]["i"] for t in c.targets] for c in chunks] == [[0, 1], [2, 3], [4]]
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert whole.chunks(None) == [whole]
    assert whole.chunks(5) == [whole]


async def test_chunks_are_sent_separately_and_merged_in_order_with_their_errors() -> None:
    def reviews(body: dict[str, Any]) -> Any:
        upcs = [r["upc"] for r in body["variables"]["representations"]]
        if upcs == ["5"]:
            return httpx.Response(500, text="boom")
        entities: list[Any] = [{"reviews": [{"body": f"on {u}"}]} for u in upcs]
        if "4" in upcs:  # the second chunk nulls its second entity, with an error
            entities[1] = None
            return {
                "data": {"_entities": entities},
                "errors": [{"message": "gone", "path": ["_entities", 1]}],
            }
        return {"data": {"_entities": entities}}

    recorder = Recorder({"products": products, "reviews": reviews})
    config = RouterConfig(
        all_subgraphs=AllSubgraphs(max_representations_per_fetch=4),
        subgraphs={"reviews": SubgraphConfig(max_representations_per_fetch=2)},
    )
    result = await executor(recorder, config).execute(
        QueryPlan(SequenceNode((TOP_PRODUCTS, REVIEWS))), {}, {}
    )
    sent = sorted(
        [r["upc"] for r in body["variables"]["representations"]]
        for host, body, _ in recorder.requests
        if host == "reviews"
    )
    assert sent == [["1", "2"], ["3", "4"], ["5"]]
    assert all(
        body["query"] == ENTITIES for host, body, _ in recorder.requests if host == "reviews"
    )
    assert result.data == {
        "topProducts": [
            {"__typename": "Product", "upc": "1", "reviews": [{"body": "on 1"}]},
            {"__typename": "Product", "upc": "2", "reviews": [{"body": "on 2"}]},
            {"__typename": "Product", "upc": "3", "reviews": [{"body": "on 3"}]},
            {"__typename": "Product", "upc": "4"},
            {"__typename": "Product", "upc": "5"},
        ]
    }
    assert result.errors == [
        {"message": "gone", "path": ["topProducts", 3], "extensions": {"service": "reviews"}},
        {
            "message": "HTTP fetch failed from 'reviews': 500: Internal Server Error",
            "path": ["topProducts", "@"],
            "extensions": {
                "code": "SUBREQUEST_HTTP_ERROR",
                "service": "reviews",
                "reason": "500: Internal Server Error",
            },
        },
    ]


async def test_without_a_limit_one_request_carries_every_representation() -> None:
    recorder = Recorder(
        {
            "products": products,
            "reviews": lambda body: {
                "data": {
                    "_entities": [{"reviews": []} for _ in body["variables"]["representations"]]
                }
            },
        }
    )
    await executor(recorder).execute(QueryPlan(SequenceNode((TOP_PRODUCTS, REVIEWS))), {}, {})
    assert [
        len(b["variables"]["representations"]) for h, b, _ in recorder.requests if h == "reviews"
    ] == [5]
