"""The registry end to end (issue #19), over real processes on 127.0.0.1: four subgraphs (the
benchmark query's: accounts, products, inventory, reviews) publish themselves to a running
registry as they start; a router that knows only the registry's URL serves the benchmark query;
a second products replica registers and is load balanced, killed under load, ejected and
readmitted; a breaking publish is rejected naming the persisted operation it would break; a
compatible one reaches the router within a second while a load run drops no request.

The expected answer of the benchmark query is the one a router fed the committed supergraph
file (the existing, separately tested path) gives over the same subgraphs.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from benchmarks.workload import QUERY_PATH
from devstack.services import subgraph_service
from servicekit.processes import ManagedProcess, free_port
from servicekit.topology import PROJECT_ROOT
from tests.scaling.support import TOKEN, LoadRun, registry_process, router_process
from tests.support.stack import RunningStack, running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SUBGRAPHS = ["accounts", "products", "inventory", "reviews"]
AUTH = {"authorization": f"Bearer {TOKEN}"}
QUERY = QUERY_PATH.read_text()
BODY = {"query": QUERY, "operationName": "TestQuery"}


@dataclass
class Scaled:
    registry: str
    router: str
    stack: RunningStack
    expected: Any
    tmp: Path


def _wait(condition: Any, what: str, seconds: float = 60.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"not reached within {seconds} s: {what}")


def _current(registry: str) -> dict[str, Any] | None:
    response = httpx.get(f"{registry}/v1/supergraph", headers=AUTH, timeout=5)
    return response.json() if response.status_code == 200 else None


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scaled]:
    tmp = tmp_path_factory.mktemp("registry-e2e")
    registry, registry_url = registry_process(tmp)
    with registry.start(ready_timeout_seconds=60):
        announce = {"REGISTRY_URL": registry_url, "REGISTRY_TOKEN": TOKEN}
        with running_stack(tmp, SUBGRAPHS, extra_env=dict.fromkeys(SUBGRAPHS, announce)) as stack:
            _wait(
                lambda: (
                    (c := _current(registry_url)) and sorted(c["routingUrls"]) == sorted(SUBGRAPHS)
                ),
                "the four subgraphs are registered",
            )
            overrides = [f"--subgraph-url={n}={stack.urls[n]}" for n in SUBGRAPHS]
            reference, reference_url = router_process(
                tmp, "reference-router", ["--supergraph", "schema/supergraph.graphql", *overrides]
            )
            router, router_url = router_process(tmp, "router", ["--registry", registry_url])
            with reference.start(ready_timeout_seconds=60), router.start(ready_timeout_seconds=60):
                answer = httpx.post(f"{reference_url}/graphql", json=BODY, timeout=30).json()
                assert "errors" not in answer and answer["data"]["topProducts"]
                yield Scaled(registry_url, f"{router_url}/graphql", stack, answer, tmp)


def test_subgraphs_registered_and_the_router_serves_the_benchmark_query(scaled: Scaled) -> None:
    current = _current(scaled.registry)
    assert current is not None
    assert current["routingUrls"] == {name: [scaled.stack.urls[name]] for name in SUBGRAPHS}
    response = httpx.post(scaled.router, json=BODY, timeout=30)
    assert response.status_code == 200
    assert response.json() == scaled.expected
    history = httpx.get(f"{scaled.registry}/v1/history", headers=AUTH, timeout=5).json()
    assert {p["subgraph"] for p in history["publishes"] if p["accepted"]} == set(SUBGRAPHS)


def test_the_api_wants_the_publish_token(scaled: Scaled) -> None:
    sdl = (PROJECT_ROOT / "schema/subgraphs/products.graphql").read_text()
    url = f"{scaled.registry}/v1/subgraphs/products"
    body = {"sdl": sdl, "url": "http://127.0.0.1:9/graphql"}
    anonymous = httpx.post(url, json=body, timeout=5)
    wrong = httpx.post(url, json=body, headers={"authorization": "Bearer nope"}, timeout=5)
    reading = httpx.get(f"{scaled.registry}/v1/supergraph", timeout=5)
    expected = {"error": "a bearer token with the publish scope is required"}
    assert (anonymous.status_code, anonymous.json()) == (401, expected)
    assert anonymous.headers["www-authenticate"] == 'Bearer realm="registry"'
    assert (wrong.status_code, wrong.json()) == (401, expected)
    assert (reading.status_code, reading.json()) == (
        401,
        {"error": "a bearer token with the read scope is required"},
    )
    bad = httpx.post(url, content=b"{", headers=AUTH, timeout=5)
    assert bad.status_code == 400 and bad.json()["error"].startswith("the body is not JSON")
    no_url = httpx.post(url, json={"sdl": sdl}, headers=AUTH, timeout=5)
    assert (no_url.status_code, no_url.json()) == (
        400,
        {"error": '"url" must be a non-empty string'},
    )


async def _pool(router: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient() as client:
        ready = (await client.get(router.replace("/graphql", "/ready"), timeout=5)).json()
    return list(ready["checks"]["replicas"]["pools"].get("products", []))


async def _until(condition: Any, what: str, seconds: float) -> None:
    """Poll the async ``condition`` (the load run keeps going meanwhile)."""
    async with asyncio.timeout(seconds):
        while not await condition():  # noqa: ASYNC110 (the router's state, polled over HTTP)
            await asyncio.sleep(0.05)


async def test_a_killed_replica_is_ejected_then_readmitted_and_no_request_fails(
    scaled: Scaled,
) -> None:
    port = free_port()
    service = subgraph_service("products", port)
    spec = service.process_spec(
        {"products": port},
        extra_env={
            "PRODUCTS_DATABASE_URL": scaled.stack.database_urls["products"],
            "REGISTRY_URL": scaled.registry,
            "REGISTRY_TOKEN": TOKEN,
        },
    )
    replica = ManagedProcess(spec, log_path=scaled.tmp / "products-2.log")
    second = f"http://127.0.0.1:{port}/graphql"

    async def state() -> dict[str, Any]:
        return next(e for e in await _pool(scaled.router) if e["url"] == second)

    async def two_replicas() -> bool:
        return len(await _pool(scaled.router)) == 2

    try:
        await asyncio.to_thread(replica.start, ready_timeout_seconds=60)
        await _until(two_replicas, "the router balances two products replicas", 30)
        async with LoadRun(scaled.router, BODY, scaled.expected) as load:
            await load.until_more(5)
            assert (await state())["requests"] > 0, "the second replica takes its share"
            replica.kill()

            async def ejected() -> bool:
                return bool((await state())["ejected"])

            await _until(ejected, "the killed replica is ejected", 15)
            await load.until_more(10)
            served_before = (await state())["requests"]
            await asyncio.to_thread(replica.start, ready_timeout_seconds=60)

            async def readmitted() -> bool:
                found = await state()
                return bool(found["requests"] > served_before + 3 and not found["ejected"])

            await _until(readmitted, "the returned replica is readmitted and serves again", 30)
            await load.until_more(5)
            await load.stop()
        assert load.failures == []
        assert load.ok > 20
        assert (await state())["ejections"] >= 1
    finally:
        replica.stop()


def _manifest() -> dict[str, Any]:
    usernames = "query Usernames { users { username } }"
    return {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [
            {
                "id": hashlib.sha256(body.encode()).hexdigest(),
                "name": name,
                "type": "query",
                "body": body,
            }
            for name, body in (("TestQuery", QUERY), ("Usernames", usernames))
        ],
    }


def test_a_breaking_publish_is_rejected_naming_the_operations_it_breaks(scaled: Scaled) -> None:
    manifest = _manifest()
    put = httpx.put(f"{scaled.registry}/v1/operations/bench", json=manifest, headers=AUTH)
    assert put.json() == {"manifest": "bench", "operations": 2}
    before = _current(scaled.registry)
    sdl = (PROJECT_ROOT / "schema/subgraphs/products.graphql").read_text()
    assert "  topProducts(first: Int = 5): [Product] @cacheControl(maxAge: 60)\n" in sdl
    breaking = sdl.replace(
        "  topProducts(first: Int = 5): [Product] @cacheControl(maxAge: 60)\n", ""
    )
    response = httpx.post(
        f"{scaled.registry}/v1/subgraphs/products",
        json={"sdl": breaking, "url": scaled.stack.urls["products"]},
        headers=AUTH,
        timeout=30,
    )
    assert response.status_code == 422
    answer = response.json()
    test_query = f"TestQuery (bench, id {manifest['operations'][0]['id'][:12]})"
    assert answer["accepted"] is False
    assert answer["report"]["breaking"] == [
        {
            "type": "FIELD_REMOVED",
            "description": "Query.topProducts was removed.",
            "coordinate": "Query.topProducts",
            "operations": [test_query],
        }
    ]
    assert answer["report"]["broken_operations"] == [
        f"{test_query}: Cannot query field 'topProducts' on type 'Query'. Did you mean 'product'?"
    ]
    assert _current(scaled.registry) == before
    latest = httpx.get(f"{scaled.registry}/v1/history", headers=AUTH).json()["publishes"][0]
    assert (latest["subgraph"], latest["accepted"], latest["version"]) == ("products", False, None)


async def test_a_compatible_publish_reaches_the_router_within_a_second_under_load(
    scaled: Scaled,
) -> None:
    sdl = (PROJECT_ROOT / "schema/subgraphs/products.graphql").read_text()
    anchor = "  topProducts(first: Int = 5): [Product] @cacheControl(maxAge: 60)\n"
    compatible = sdl.replace(anchor, anchor + "  registryProbe: String\n")
    probe = {"query": '{ __type(name: "Query") { fields { name } } }'}

    def has_probe(answer: dict[str, Any]) -> bool:
        return any(f["name"] == "registryProbe" for f in answer["data"]["__type"]["fields"])

    async with LoadRun(scaled.router, BODY, scaled.expected) as load, httpx.AsyncClient() as client:
        await load.until_more(5)
        assert not has_probe((await client.post(scaled.router, json=probe)).json())
        response = await client.post(
            f"{scaled.registry}/v1/subgraphs/products",
            json={"sdl": compatible, "url": scaled.stack.urls["products"]},
            headers=AUTH,
            timeout=30,
        )
        accepted_at = time.monotonic()
        assert response.status_code == 200, response.text
        assert response.json()["report"]["safe"] == [
            {
                "type": "FIELD_ADDED",
                "description": "Query.registryProbe was added.",
                "coordinate": "Query.registryProbe",
                "operations": [],
            }
        ]
        while not has_probe((await client.post(scaled.router, json=probe)).json()):
            assert time.monotonic() - accepted_at < 1.0, "the router did not reload within 1 s"
        seen_after = time.monotonic() - accepted_at
        await load.until_more(10)
        await load.stop()
    assert seen_after < 1.0
    assert load.failures == []
    assert load.ok > 15
