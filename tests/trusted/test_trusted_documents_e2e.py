"""Trusted documents per client over real processes (issue #18): the ``router`` process reads a
shared manifest from a file and the mobile clients' manifest from a URL (served by the edge
subgraph process), and enforces each client's policy (the ``apollographql-client-name``
header): ``allow`` (no name), ``log_unknown`` (``web``), ``safelist`` (``mobile``) and
``safelist`` with ``require_id`` (``ios``). APQ shares the real Redis under a unique prefix.

Expected bodies and statuses are Apollo Router's (its PR 4887), written by hand."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from tests.conftest import REDIS_URL
from tests.headers.edge import EdgeSubgraphs, start_edge_subgraphs
from tests.http.router_process import RunningRouter, running_router

pytestmark = pytest.mark.e2e

GRJ = "application/graphql-response+json; charset=utf-8"
BODY_A = "query A {\n  a\n}"
BODY_B = "query B {\n  b\n}"
SHA_A = hashlib.sha256(BODY_A.encode()).hexdigest()
SHA_B = hashlib.sha256(BODY_B.encode()).hexdigest()
# what subgraph ``a`` echoes: the router's own headers only (no rule propagates anything else)
A_ECHO = json.dumps(
    [
        ["accept", "application/graphql-response+json, application/json"],
        ["content-type", "application/json"],
    ]
)
B_ECHO = A_ECHO


def manifest(*operations: tuple[str, str, str]) -> str:
    return json.dumps(
        {
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": [
                {"id": id_, "name": name, "type": "query", "body": body}
                for id_, name, body in operations
            ],
        }
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trusted")
    (path / "shared.json").write_text(manifest((SHA_A, "A", BODY_A)))
    (path / "mobile.json").write_text(manifest(("b:v1", "B", BODY_B)))
    return path


@pytest.fixture(scope="module")
def edge(workdir: Path) -> Iterator[EdgeSubgraphs]:
    yield from start_edge_subgraphs(workdir, manifest=workdir / "mobile.json")


@pytest.fixture(scope="module")
def apq_prefix() -> Iterator[str]:
    prefix = f"test:{uuid.uuid4().hex[:10]}:apq:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="module")
def router(edge: EdgeSubgraphs, workdir: Path, apq_prefix: str) -> Iterator[RunningRouter]:
    mobile_url = f"{edge.url}/manifest.json"
    config = {
        "http": {"redis_url": REDIS_URL, "apq": {"key_prefix": apq_prefix}},
        "persisted_queries": {
            "enabled": True,
            "manifests": [str(workdir / "shared.json")],
            "policy": "allow",
            "clients": {
                "web": {"policy": "log_unknown"},
                "mobile": {"policy": "safelist", "manifests": [mobile_url]},
                "ios": {"policy": "safelist", "require_id": True, "manifests": [mobile_url]},
            },
        },
    }
    with running_router(workdir, supergraph=edge.supergraph, config=config) as running:
        yield running


def send(router: RunningRouter, body: dict[str, Any], client: str | None = None) -> Any:
    headers = {"apollographql-client-name": client} if client else {}
    response = httpx.post(router.graphql_url, json=body, headers=headers, timeout=30)
    return response.status_code, response.headers.get("content-type"), response.json()


def by_hash(sha: str) -> dict[str, Any]:
    return {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}}


def refusal(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


NOT_IN_LIST_TEXT = refusal(
    "The operation body was not found in the persisted query list", "PERSISTED_QUERY_NOT_IN_LIST"
)


def not_in_list_id(operation_id: str) -> dict[str, Any]:
    return refusal(
        f"Persisted query '{operation_id}' not found in the persisted query list",
        "PERSISTED_QUERY_NOT_IN_LIST",
    )


# --- ids: sha256Hash and documentId -------------------------------------------------------


def test_shared_operation_by_sha256_hash_for_a_safelisted_client(router: RunningRouter) -> None:
    assert send(router, by_hash(SHA_A), "mobile") == (200, GRJ, {"data": {"a": A_ECHO}})


def test_client_operation_by_document_id_from_the_url_manifest(router: RunningRouter) -> None:
    assert send(router, {"documentId": "b:v1"}, "mobile") == (200, GRJ, {"data": {"b": B_ECHO}})


def test_document_id_over_get(router: RunningRouter) -> None:
    response = httpx.get(
        router.graphql_url,
        params={"documentId": "b:v1"},
        headers={"apollographql-client-name": "mobile", "apollo-require-preflight": "true"},
        timeout=30,
    )
    assert (response.status_code, response.json()) == (200, {"data": {"b": B_ECHO}})


def test_another_clients_operation_is_not_in_this_clients_list(router: RunningRouter) -> None:
    # b:v1 is the mobile clients' only; a client without a name cannot use it
    assert send(router, {"documentId": "b:v1"}) == (404, GRJ, not_in_list_id("b:v1"))


# --- safelist ------------------------------------------------------------------------------


def test_safelist_refuses_unknown_text_before_parsing(router: RunningRouter) -> None:
    assert send(router, {"query": "{ a b }"}, "mobile") == (403, GRJ, NOT_IN_LIST_TEXT)
    # not even a GraphQL document: refused by the list, not by the parser
    assert send(router, {"query": "{ a "}, "mobile") == (403, GRJ, NOT_IN_LIST_TEXT)


def test_safelist_refuses_unknown_ids_with_404(router: RunningRouter) -> None:
    assert send(router, by_hash(SHA_B), "mobile") == (404, GRJ, not_in_list_id(SHA_B))
    assert send(router, {"documentId": "nope"}, "mobile") == (404, GRJ, not_in_list_id("nope"))


def test_safelist_accepts_listed_text_whatever_its_ignored_tokens(router: RunningRouter) -> None:
    text = "query B{ b , } # the same operation"
    assert send(router, {"query": text}, "mobile") == (200, GRJ, {"data": {"b": B_ECHO}})


def test_require_id_refuses_even_listed_text(router: RunningRouter) -> None:
    assert send(router, {"query": BODY_B}, "ios") == (
        400,
        GRJ,
        refusal(
            "This endpoint does not allow freeform GraphQL requests; operations must be sent "
            "by ID in the persisted queries GraphQL extension.",
            "PERSISTED_QUERY_ID_REQUIRED",
        ),
    )
    assert send(router, {"documentId": "b:v1"}, "ios") == (200, GRJ, {"data": {"b": B_ECHO}})


def test_safelist_refuses_an_apq_registration_and_stores_nothing(
    router: RunningRouter, apq_prefix: str
) -> None:
    text = "{ a b }"
    sha = hashlib.sha256(text.encode()).hexdigest()
    assert send(router, {"query": text, **by_hash(sha)}, "mobile") == (403, GRJ, NOT_IN_LIST_TEXT)
    client = redis.Redis.from_url(REDIS_URL)
    try:
        assert client.exists(apq_prefix + sha) == 0
    finally:
        client.close()


# --- allow and log_unknown -----------------------------------------------------------------


def test_allow_runs_anything_and_apq_still_works(router: RunningRouter) -> None:
    text = "query Both { a b }"
    sha = hashlib.sha256(text.encode()).hexdigest()
    both = {"data": {"a": A_ECHO, "b": B_ECHO}}
    assert send(router, {"query": text}) == (200, GRJ, both)
    assert send(router, by_hash(sha)) == (
        200,
        GRJ,
        {
            "errors": [
                {
                    "message": "PersistedQueryNotFound",
                    "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
                }
            ]
        },
    )
    assert send(router, {"query": text, **by_hash(sha)}) == (200, GRJ, both)
    assert send(router, by_hash(sha)) == (200, GRJ, both)  # from Redis now


def log_lines(router: RunningRouter, event: str) -> list[dict[str, Any]]:
    found = []
    for line in router.log().splitlines():
        if event in line:
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
    return found


def test_log_unknown_runs_and_logs_the_unlisted_operation(router: RunningRouter) -> None:
    event = "persisted query not in list"
    unlisted = "query Unlisted { b }"
    assert send(router, {"query": BODY_A, "operationName": "A"}, "web") == (
        200,
        GRJ,
        {"data": {"a": A_ECHO}},
    )
    assert send(router, {"query": unlisted, "operationName": "Unlisted"}, "web") == (
        200,
        GRJ,
        {"data": {"b": B_ECHO}},
    )
    deadline = time.monotonic() + 20
    while not log_lines(router, event) and time.monotonic() < deadline:
        time.sleep(0.1)  # the log is written by another process: wait for its line
    lines = log_lines(router, event)
    assert [
        {
            k: line[k]
            for k in (
                "event",
                "level",
                "client",
                "operation_name",
                "operation_sha256",
                "operation_body",
            )
        }
        for line in lines
    ] == [
        {
            "event": event,
            "level": "warning",
            "client": "web",
            "operation_name": "Unlisted",
            "operation_sha256": hashlib.sha256(unlisted.encode()).hexdigest(),
            "operation_body": unlisted,
        }
    ]


# --- every transport: a safelist holds over SSE and WebSocket too --------------------------


def test_safelist_holds_over_sse(router: RunningRouter) -> None:
    headers = {"apollographql-client-name": "mobile", "accept": "text/event-stream"}
    refused = httpx.post(router.graphql_url, json={"query": "{ a b }"}, headers=headers, timeout=30)
    assert (refused.status_code, refused.json()) == (403, NOT_IN_LIST_TEXT)
    listed = httpx.post(
        router.graphql_url, json={"documentId": "b:v1"}, headers=headers, timeout=30
    )
    assert listed.status_code == 200
    assert 'event: next\ndata: {"data":{"b":' in listed.text
    assert "event: complete" in listed.text


async def test_safelist_holds_over_websocket(router: RunningRouter) -> None:
    url = router.graphql_url.replace("http://", "ws://", 1)
    async with connect(
        url,
        subprotocols=[Subprotocol("graphql-transport-ws")],
        additional_headers={"apollographql-client-name": "mobile"},
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ a b }"}}))
        assert json.loads(await ws.recv()) == {
            "id": "1",
            "type": "error",
            "payload": NOT_IN_LIST_TEXT["errors"],
        }
        await ws.send(
            json.dumps({"id": "2", "type": "subscribe", "payload": {"documentId": "b:v1"}})
        )
        assert json.loads(await ws.recv()) == {
            "id": "2",
            "type": "next",
            "payload": {"data": {"b": B_ECHO}},
        }
        assert json.loads(await ws.recv()) == {"id": "2", "type": "complete"}
