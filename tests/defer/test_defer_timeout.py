"""The request deadline also bounds the deferred parts: past it the stream ends with a last
part carrying ``GATEWAY_TIMEOUT`` (the router's timeout answer) instead of hanging on a slow
subgraph. Real router (``traffic_shaping.router.timeout_seconds: 1``) over the fixture
subgraphs, whose ``Product.delivery`` takes 3 s."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from benchmarks.gateways import rewrite_subgraph_urls
from tests.defer.harness import FIXTURE_SDL, read_parts
from tests.differential.harness import start_fixture_subgraphs
from tests.http.router_process import RunningRouter, running_router

pytestmark = pytest.mark.e2e


@pytest.fixture
def router(tmp_path: Path) -> Iterator[RunningRouter]:
    config = {"http": {"redis_url": None}, "traffic_shaping": {"router": {"timeout_seconds": 1}}}
    with start_fixture_subgraphs(tmp_path) as urls:
        path = tmp_path / "supergraph.graphql"
        path.write_text(rewrite_subgraph_urls(FIXTURE_SDL.read_text(), urls.__getitem__))
        with running_router(tmp_path, supergraph=path, config=config) as running:
            yield running


def test_deferred_part_past_the_deadline_ends_the_stream(router: RunningRouter) -> None:
    query = '{ product(upc: "2") { name ... @defer { delivery } } }'
    with httpx.Client(timeout=30.0) as client:
        response, parts = read_parts(client, router.graphql_url, query)
    assert response.status_code == 200
    assert [p.payload for p in parts] == [
        {"data": {"product": {"name": "Couch"}}, "hasNext": True},
        {
            "hasNext": False,
            "errors": [
                {
                    "message": "Your request has been timed out",
                    "extensions": {"code": "GATEWAY_TIMEOUT"},
                }
            ],
        },
    ]


def test_streamed_items_past_the_deadline_end_the_stream(router: RunningRouter) -> None:
    """``@stream`` (issue #16): the items after ``initialCount`` wait on ``delivery``; the
    deadline ends the stream as for a deferred part."""
    query = "{ topProducts @stream { name delivery } }"
    with httpx.Client(timeout=30.0) as client:
        response, parts = read_parts(client, router.graphql_url, query)
    assert response.status_code == 200
    assert [p.payload for p in parts] == [
        {"data": {"topProducts": []}, "hasNext": True},
        {
            "hasNext": False,
            "errors": [
                {
                    "message": "Your request has been timed out",
                    "extensions": {"code": "GATEWAY_TIMEOUT"},
                }
            ],
        },
    ]
