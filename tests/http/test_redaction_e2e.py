"""Subgraph error redaction over real processes (issue #18): the same failures (a subgraph
nobody listens for, one answering HTTP 500, one answering an error with an internal URL and a
stack trace) seen through a production router and a development one.

Expected bodies are written by hand (Apollo Router's messages and codes)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.defer.harness import read_parts
from tests.headers.edge import EdgeSubgraphs, start_edge_subgraphs
from tests.headers.edge_subgraph import BOOM_MESSAGE
from tests.http.router_process import RunningRouter, running_router

pytestmark = pytest.mark.e2e

GRJ = "application/graphql-response+json; charset=utf-8"
QUERY = "{ down fail boom }"
BASE: dict[str, Any] = {"http": {"redis_url": None}}


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EdgeSubgraphs]:
    yield from start_edge_subgraphs(tmp_path_factory.mktemp("redaction"))


@pytest.fixture(scope="module")
def production(edge: EdgeSubgraphs) -> Iterator[RunningRouter]:
    with running_router(
        edge.workdir, supergraph=edge.supergraph, config=BASE, mode_flag="--prod", name="prod"
    ) as running:
        yield running


@pytest.fixture(scope="module")
def development(edge: EdgeSubgraphs) -> Iterator[RunningRouter]:
    with running_router(
        edge.workdir, supergraph=edge.supergraph, config=BASE, mode_flag="--dev", name="dev"
    ) as running:
        yield running


def whole(router: RunningRouter, query: str = QUERY) -> tuple[int, str | None, Any]:
    response = httpx.post(router.graphql_url, json={"query": query}, timeout=30)
    return response.status_code, response.headers.get("content-type"), response.json()


def by_service(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The errors keyed by subgraph (the fetches run in parallel: their order is arrival)."""
    return {error["extensions"]["service"]: error for error in body["errors"]}


def test_production_hides_addresses_exception_text_and_stack_traces(
    production: RunningRouter,
) -> None:
    status, content_type, body = whole(production)
    assert (status, content_type, body["data"]) == (
        200,
        GRJ,
        {"down": None, "fail": None, "boom": None},
    )
    assert by_service(body) == {
        "down": {
            "message": "HTTP fetch failed from 'down'",
            "extensions": {"code": "SUBREQUEST_HTTP_ERROR", "service": "down"},
        },
        "fail": {
            "message": "HTTP fetch failed from 'fail'",
            "extensions": {"code": "SUBREQUEST_HTTP_ERROR", "service": "fail"},
        },
        "boom": {
            "message": "query failed on [redacted]: timeout",
            "path": ["boom"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "service": "boom"},
        },
    }
    assert len(body["errors"]) == 3


def test_development_keeps_the_detail(development: RunningRouter, edge: EdgeSubgraphs) -> None:
    status, content_type, body = whole(development)
    assert (status, content_type, body["data"]) == (
        200,
        GRJ,
        {"down": None, "fail": None, "boom": None},
    )
    errors = by_service(body)
    down_port = edge.down_url.rsplit(":", 1)[1]
    down = errors["down"]
    assert down["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
    assert down["message"].startswith("HTTP fetch failed from 'down': ConnectError: ")
    assert down_port in down["message"] and down_port in down["extensions"]["reason"]
    assert errors["fail"] == {
        "message": "HTTP fetch failed from 'fail': 500: Internal Server Error",
        "extensions": {
            "code": "SUBREQUEST_HTTP_ERROR",
            "service": "fail",
            "reason": "500: Internal Server Error",
        },
    }
    assert errors["boom"] == {
        "message": BOOM_MESSAGE,
        "path": ["boom"],
        "extensions": {
            "code": "INTERNAL_SERVER_ERROR",
            "exception": {"stacktrace": ["Traceback (most recent call last):", "TimeoutError"]},
            "service": "boom",
        },
    }


def test_include_subgraph_errors_false_redacts_like_apollo(edge: EdgeSubgraphs) -> None:
    config = {**BASE, "include_subgraph_errors": {"all": True, "subgraphs": {"boom": False}}}
    with running_router(
        edge.workdir, supergraph=edge.supergraph, config=config, mode_flag="--dev", name="inc"
    ) as router:
        assert whole(router, "{ boom }") == (
            200,
            GRJ,
            {
                "errors": [
                    {
                        "message": "Subgraph errors redacted",
                        "path": ["boom"],
                        "extensions": {"code": "INTERNAL_SERVER_ERROR", "service": "boom"},
                    }
                ],
                "data": {"boom": None},
            },
        )


def test_production_redacts_deferred_parts_too(production: RunningRouter) -> None:
    """Incremental delivery: the deferred part's errors are redacted as the first part's are."""
    with httpx.Client(timeout=30) as client:
        response, parts = read_parts(client, production.graphql_url, "{ boom ... @defer { down } }")
    assert response.headers["content-type"].startswith("multipart/mixed")
    assert [part.payload for part in parts] == [
        {
            "data": {"boom": None},
            "errors": [
                {
                    "message": "query failed on [redacted]: timeout",
                    "path": ["boom"],
                    "extensions": {"code": "INTERNAL_SERVER_ERROR", "service": "boom"},
                }
            ],
            "hasNext": True,
        },
        {
            "hasNext": False,
            "incremental": [
                {
                    "data": {"down": None},
                    "path": [],
                    "errors": [
                        {
                            "message": "HTTP fetch failed from 'down'",
                            "extensions": {"code": "SUBREQUEST_HTTP_ERROR", "service": "down"},
                        }
                    ],
                }
            ],
        },
    ]
