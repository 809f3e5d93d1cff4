"""Header rules both ways over real processes (issue #18): the ``router`` process in front of
the edge subgraph process, which echoes the request headers it received and answers with its
own response headers (two subgraphs: ``a`` and ``b``).

Expected values are written by hand from Apollo Router's rule semantics (request) and Hive
Router's (response), not computed by the code under test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.headers.edge import EdgeSubgraphs
from tests.http.router_process import RunningRouter, running_router

pytestmark = pytest.mark.e2e

GRJ = "application/graphql-response+json; charset=utf-8"
ORIGIN = "http://app.example"

CONFIG: dict[str, Any] = {
    "http": {"redis_url": None},
    "all_subgraphs": {"headers": []},  # the legacy list (authorization by default) off
    "cors": {"origins": [ORIGIN], "allow_headers": ["content-type"]},
    "headers": {
        "all": {
            "request": [
                {"propagate": {"named": "x-tenant"}},
                {"propagate": {"matching": "^x-trace-"}},
                {"propagate": {"named": "X-Client-Version", "rename": "x-app-version"}},
                {"propagate": {"named": "x-locale", "default": "en-GB"}},
                {"insert": {"name": "x-router", "value": "edge-1"}},
                {"remove": {"named": "x-trace-secret"}},
                {"propagate": {"matching": "^content-"}},  # reserved names stay the router's
            ],
            "response": [
                {"propagate": {"named": "set-cookie"}},
                {"propagate": {"named": "x-cache", "algorithm": "append"}},
            ],
        },
        "subgraphs": {
            "a": {
                "request": [
                    {"insert": {"name": "x-only-a", "value": "yes"}},
                    {"remove": {"matching": "^x-trace-"}},
                ],
                "response": [{"propagate": {"named": "x-a-only", "rename": "x-from-a"}}],
            },
            "b": {
                "request": [{"propagate": {"named": "x-b-token", "rename": "authorization"}}],
                "response": [
                    {"propagate": {"matching": "^x-internal-"}},
                    {"remove": {"named": "x-internal-b"}},
                    {"insert": {"name": "x-served-by", "value": "b"}},
                ],
            },
        },
    },
}

CLIENT_HEADERS = {
    "x-tenant": "t1",
    "x-trace-id": "abc",
    "x-trace-secret": "do-not-forward",
    "x-client-version": "3.2",
    "x-b-token": "Bearer b-token",
    "x-unlisted": "never",
    "authorization": "Bearer client-token",
    "content-language": "fr",
}

BASE = [["accept", "application/graphql-response+json, application/json"]]
BASE_CT = [["content-type", "application/json"]]
CONTENT = [["content-language", "fr"]]  # ^content- matched it; content-type stayed reserved
RECEIVED_BY_A = sorted(
    [
        *BASE,
        *CONTENT,
        *BASE_CT,
        ["x-app-version", "3.2"],
        ["x-locale", "en-GB"],
        ["x-only-a", "yes"],
        ["x-router", "edge-1"],
        ["x-tenant", "t1"],
    ]
)
RECEIVED_BY_B = sorted(
    [
        *BASE,
        ["authorization", "Bearer b-token"],
        *CONTENT,
        *BASE_CT,
        ["x-app-version", "3.2"],
        ["x-locale", "en-GB"],
        ["x-router", "edge-1"],
        ["x-tenant", "t1"],
        ["x-trace-id", "abc"],
    ]
)
_VOLATILE = {"date", "server", "content-length"}


def header_fields(response: httpx.Response) -> list[tuple[str, str]]:
    """Every response header field but the volatile ones, sorted (repeats kept)."""
    return sorted((k, v) for k, v in response.headers.multi_items() if k not in _VOLATILE)


@pytest.fixture(scope="module")
def router(edge: EdgeSubgraphs) -> Iterator[RunningRouter]:
    with running_router(edge.workdir, supergraph=edge.supergraph, config=CONFIG) as running:
        yield running


def post(router: RunningRouter, query: str, **headers: str) -> httpx.Response:
    return httpx.post(router.graphql_url, json={"query": query}, headers=headers, timeout=30)


def test_request_rules_per_subgraph_and_for_all(router: RunningRouter) -> None:
    response = post(router, "{ a b }", **CLIENT_HEADERS)
    assert response.status_code == 200
    body = response.json()
    assert body.keys() == {"data"}
    assert json.loads(body["data"]["a"]) == RECEIVED_BY_A
    assert json.loads(body["data"]["b"]) == RECEIVED_BY_B


def test_default_applies_only_when_the_client_sends_none(router: RunningRouter) -> None:
    response = post(router, "{ a }", **{"x-locale": "de-CH"})
    received = json.loads(response.json()["data"]["a"])
    assert received == sorted(
        [
            *BASE,
            *BASE_CT,
            ["x-locale", "de-CH"],
            ["x-only-a", "yes"],
            ["x-router", "edge-1"],
        ]
    )


def test_response_rules_keep_every_set_cookie_and_merge_by_algorithm(
    router: RunningRouter,
) -> None:
    response = post(router, "{ a b }")
    fields = header_fields(response)
    cache = [v for k, v in fields if k == "x-cache"]
    assert len(cache) == 1  # append: one field, both subgraphs' values (arrival order)
    assert sorted(cache[0].split(", ")) == ["HIT from a", "MISS from b"]
    assert [f for f in fields if f[0] != "x-cache"] == [
        ("content-type", GRJ),
        ("set-cookie", "a_session=1; Path=/; HttpOnly"),
        ("set-cookie", "b_pref=dark; Path=/"),
        ("set-cookie", "b_seen=yes; Path=/"),
        ("vary", "Origin"),  # CORS: origins are configured
        ("x-from-a", "from-a"),
        ("x-served-by", "b"),
    ]
    # httpx keeps the three cookies apart, as a browser does
    assert sorted(response.cookies.keys()) == ["a_session", "b_pref", "b_seen"]


def test_only_the_subgraphs_that_answered_contribute(router: RunningRouter) -> None:
    response = post(router, "{ b }")
    assert header_fields(response) == [
        ("content-type", GRJ),
        ("set-cookie", "b_pref=dark; Path=/"),
        ("set-cookie", "b_seen=yes; Path=/"),
        ("vary", "Origin"),
        ("x-cache", "MISS from b"),
        ("x-served-by", "b"),
    ]


def test_cors_reads_the_header_rules(router: RunningRouter) -> None:
    preflight = httpx.options(
        router.graphql_url,
        headers={
            "origin": ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type, x-tenant, x-client-version",
        },
        timeout=30,
    )
    assert preflight.status_code == 200
    allowed = {
        h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")
    }
    # configured, plus what the request rules read by name (x-trace-* is a pattern: not listed)
    assert {"content-type", "x-tenant", "x-client-version", "x-locale", "x-b-token"} <= allowed
    simple = post(router, "{ b }", origin=ORIGIN)
    exposed = simple.headers["access-control-expose-headers"].split(", ")
    assert sorted(exposed) == ["set-cookie", "x-cache", "x-from-a", "x-served-by"]
    assert simple.headers["access-control-allow-origin"] == ORIGIN
