"""Fixtures of the BFF end-to-end tests: the real stack once per session, BFFs per test.

``BFF_TEST_ROUTER_URL`` reuses an already running router over subgraphs seeded with
``BFF_SEED_SIZES`` (handy while iterating); by default the session starts its own.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from bff.manifests import load_manifest
from bff.runtime import BffRuntime
from subgraphs.seeding import SeedData, generate
from tests.bff.apps import running_bff
from tests.bff.stack import (
    BFF_SEED_SIZES,
    BffStack,
    login,
    running_bff_stack,
)

WEB_OPERATIONS = {op.name: op for op in load_manifest("web").operations}
MOBILE_OPERATIONS = {op.name: op for op in load_manifest("mobile").operations}


@pytest.fixture(scope="session")
def bff_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BffStack]:
    external = os.environ.get("BFF_TEST_ROUTER_URL")
    folder = tmp_path_factory.mktemp("bff-stack")
    if external:
        yield BffStack(external, generate(BFF_SEED_SIZES), folder)
        return
    with running_bff_stack(folder) as stack:  # SubgraphsDoNotCompose fails the tests (#21)
        yield stack


@pytest.fixture
def seed(bff_stack: BffStack) -> SeedData:
    return bff_stack.seed


def bearer_for(stack: BffStack) -> Callable[[int], str]:
    """``bearer(user_id)``: an ``Authorization`` value for a seeded user of ``stack`` (logged in
    once)."""
    tokens: dict[int, str] = {}

    def for_user(user_id: int) -> str:
        if user_id not in tokens:
            user = next(u for u in stack.seed.users if u.id == user_id)
            tokens[user_id] = login(stack.router_url, user.username)
        return f"Bearer {tokens[user_id]}"

    return for_user


@pytest.fixture(scope="session")
def bearer(bff_stack: BffStack) -> Callable[[int], str]:
    return bearer_for(bff_stack)


class Screen:
    """Runs the client's persisted operations against one in-process BFF, counting router calls."""

    def __init__(self, http: httpx.AsyncClient, runtime: BffRuntime, by_hash: bool) -> None:
        self.http = http
        self.runtime = runtime
        self.by_hash = by_hash
        self.operations = WEB_OPERATIONS if runtime.name == "web" else MOBILE_OPERATIONS
        self.last_router_requests = 0

    async def run(
        self, name: str, variables: dict[str, Any] | None = None, **headers: str
    ) -> httpx.Response:
        operation = self.operations[name]
        payload: dict[str, Any] = (
            {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": operation.id}}}
            if self.by_hash
            else {"query": operation.body}
        )
        if variables:
            payload["variables"] = variables
        before = self.runtime.router.stats.requests
        response = await self.http.post(
            "/graphql", json=payload, headers={k.replace("_", "-"): v for k, v in headers.items()}
        )
        self.last_router_requests = self.runtime.router.stats.requests - before
        return response

    async def data(self, name: str, variables: dict[str, Any] | None = None, **headers: str) -> Any:
        response = await self.run(name, variables, **headers)
        body = response.json()
        if response.status_code != 200 or "errors" in body:
            raise AssertionError(f"{name}: {response.status_code} {body}")
        return body["data"]


@pytest.fixture
async def web(
    bff_stack: BffStack,
    redis_url: str,
    redis_namespace: str,
    redis_client: Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Screen]:
    """``redis_client`` (tests/conftest.py) deletes the namespace's keys afterwards."""
    if bff_stack.events_namespace:  # the cache follows the stack's events (issue #15)
        monkeypatch.setenv("EVENTS_NAMESPACE", bff_stack.events_namespace)
    async with running_bff(
        "web",
        router_url=bff_stack.router_url,
        redis_url=redis_url,
        namespace=redis_namespace,
        supergraph_path=bff_stack.supergraph_path,
        **bff_stack.token_settings(),
    ) as (http, runtime):
        yield Screen(http, runtime, by_hash=False)


@pytest.fixture
async def mobile(
    bff_stack: BffStack,
    redis_url: str,
    redis_namespace: str,
    redis_client: Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Screen]:
    if bff_stack.events_namespace:
        monkeypatch.setenv("EVENTS_NAMESPACE", bff_stack.events_namespace)
    async with running_bff(
        "mobile",
        router_url=bff_stack.router_url,
        redis_url=redis_url,
        namespace=redis_namespace,
        supergraph_path=bff_stack.supergraph_path,
        **bff_stack.token_settings(),
    ) as (http, runtime):
        yield Screen(http, runtime, by_hash=True)
