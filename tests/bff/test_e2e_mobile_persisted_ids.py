"""Issue #18, "the mobile BFF's manifest is served this way too": the mobile BFF with
``router_persisted_ids`` through a router that **safelists** its client (``apollographql-client-name:
bff-mobile``, ``policy: safelist``, ``schema/persisted/bff-mobile.router.json``), as
``config/router.dev.yaml`` and ``config/router.compose.yaml`` do.

Real processes (five seeded subgraphs, our router; ``tests/bff/stack.py``), the in-process BFF,
real Redis. The screens answer exactly as through the open router (``test_e2e_mobile.py``) at
the same router request counts, every operation went by id (the router would refuse the step's
text from this client: asserted too, with the router's own answer), and the same BFF sending
text (the setting off, the behaviour before it existed) gets the router's refusal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from bff.step_document import step_document
from bff_mobile.loaders import FEED
from servicekit.topology import PROJECT_ROOT
from subgraphs.seeding import SeedData
from tests.bff import expected
from tests.bff.apps import running_bff
from tests.bff.conftest import Screen, bearer_for
from tests.bff.stack import BffStack, running_bff_stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROUTER_MANIFEST = PROJECT_ROOT / "schema" / "persisted" / "bff-mobile.router.json"
SAFELISTING = {
    "batching": {"enabled": True, "mode": "batch_http_link", "maximum_size": 10},
    "persisted_queries": {
        "enabled": True,
        "policy": "allow",
        "clients": {"bff-mobile": {"policy": "safelist", "manifests": [str(ROUTER_MANIFEST)]}},
    },
}
"""The router settings of ``config/router.dev.yaml`` this test depends on."""
CLIENT = {"apollographql-client-name": "bff-mobile", "apollographql-client-version": "0.1.0"}


@pytest.fixture(scope="module")
def safelisting_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BffStack]:
    folder: Path = tmp_path_factory.mktemp("bff-safelist")
    with running_bff_stack(folder, router_settings=SAFELISTING) as stack:
        yield stack


@pytest.fixture
def seed(safelisting_stack: BffStack) -> SeedData:
    return safelisting_stack.seed


@pytest.fixture(scope="module")
def bearer(safelisting_stack: BffStack) -> Callable[[int], str]:
    return bearer_for(safelisting_stack)


async def _mobile(
    stack: BffStack,
    redis_url: str,
    namespace: str,
    monkeypatch: pytest.MonkeyPatch,
    **settings: Any,
) -> AsyncIterator[Screen]:
    if stack.events_namespace:
        monkeypatch.setenv("EVENTS_NAMESPACE", stack.events_namespace)
    async with running_bff(
        "mobile",
        router_url=stack.router_url,
        redis_url=redis_url,
        namespace=namespace,
        supergraph_path=stack.supergraph_path,
        **stack.token_settings(),
        **settings,
    ) as (http, runtime):
        yield Screen(http, runtime, by_hash=True)


@pytest.fixture
async def by_ids(
    safelisting_stack: BffStack,
    redis_url: str,
    redis_namespace: str,
    redis_client: Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Screen]:
    """The mobile BFF as ``make dev`` and compose run it (``BFF_MOBILE_ROUTER_PERSISTED_IDS``)."""
    async for screen in _mobile(
        safelisting_stack, redis_url, redis_namespace, monkeypatch, router_persisted_ids=True
    ):
        yield screen


@pytest.fixture
async def by_text(
    safelisting_stack: BffStack,
    redis_url: str,
    redis_namespace: str,
    redis_client: Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Screen]:
    """The setting off: one ``query BffStep`` text per step (the BFF before the setting)."""
    async for screen in _mobile(safelisting_stack, redis_url, redis_namespace, monkeypatch):
        yield screen


REFUSED = {
    "data": {"productDetail": None},
    "errors": [
        {
            "message": "The operation body was not found in the persisted query list",
            "locations": [{"line": 2, "column": 3}],
            "path": ["productDetail"],
            "extensions": {"code": "PERSISTED_QUERY_NOT_IN_LIST"},
        }
    ],
}
"""The BFF's whole answer when the router refuses its step: the router's error at the field."""


async def _whole(screen: Screen, name: str, variables: dict[str, Any], **headers: str) -> Any:
    response = await screen.run(name, variables, **headers)
    return response.status_code, response.json()


async def test_the_screens_answer_through_a_safelisting_router_at_the_same_cost(
    by_ids: Screen, seed: SeedData, bearer: Callable[[int], str]
) -> None:
    counts = []
    for _ in range(2):  # cold, then warm (Redis)
        assert await _whole(by_ids, "Feed", {"first": 50}) == (
            200,
            {"data": expected.feed(seed, 50)},
        )
        counts.append(by_ids.last_router_requests)
    cursor = expected.feed(seed, 50)["feed"]["endCursor"]
    assert await _whole(by_ids, "Feed", {"first": 50, "after": cursor}) == (
        200,
        {"data": expected.feed(seed, 50, 50)},
    )
    for upc in ("100000000001", "100000000007", "100000000030"):
        for _ in range(2):
            assert await _whole(by_ids, "ProductDetail", {"upc": upc}) == (
                200,
                {"data": expected.product_detail(seed, upc)},
            )
            counts.append(by_ids.last_router_requests)
    page1 = await _whole(by_ids, "MyOrders", {"first": 1}, authorization=bearer(3))
    assert page1 == (200, {"data": expected.my_orders(seed, 3, 1)})
    counts.append(by_ids.last_router_requests)
    after = page1[1]["data"]["myOrders"]["endCursor"]
    page2 = await _whole(by_ids, "MyOrders", {"first": 1, "after": after}, authorization=bearer(3))
    assert page2 == (200, {"data": expected.my_orders(seed, 3, 1, start=1)})
    counts.append(by_ids.last_router_requests)
    # the cold/warm counts of test_e2e_mobile.py: one POST per step, whatever the mode
    assert counts == [2, 0, 2, 0, 2, 0, 2, 0, 1, 0]
    stats = by_ids.runtime.router.stats
    # every operation went as an id without text, one piece per step on these screens
    assert (stats.by_id, stats.operations) == (stats.requests, stats.requests)
    assert stats.by_operation == {"BffStep": stats.requests}


async def test_the_router_refuses_the_step_text_from_the_mobile_client(
    safelisting_stack: BffStack,
) -> None:
    """What the BFF would send without ids (its feed's first step), straight to the router
    under the BFF's client name: refused, so the screens above went by id."""
    payload = {
        "query": step_document([("r0_0", FEED.operation)]),
        "variables": {"r0_0_first": 2, "r0_0_after": None},
        "operationName": "BffStep",
    }
    async with httpx.AsyncClient(timeout=30) as client:
        refused = await client.post(safelisting_stack.router_url, json=payload, headers=CLIENT)
        anyone = await client.post(safelisting_stack.router_url, json=payload)
    assert (refused.status_code, refused.json()) == (
        403,
        {
            "errors": [
                {
                    "message": "The operation body was not found in the persisted query list",
                    "extensions": {"code": "PERSISTED_QUERY_NOT_IN_LIST"},
                }
            ]
        },
    )
    assert anyone.status_code == 200 and anyone.json()["data"]["r0_0"]["pageInfo"] is not None


async def test_the_bff_sending_text_is_refused_by_the_safelisting_router(
    by_text: Screen,
) -> None:
    """The behaviour before ``router_persisted_ids``: each step's text is refused, so every
    mobile screen fails with the router's code."""
    assert await _whole(by_text, "ProductDetail", {"upc": "100000000001"}) == (200, REFUSED)
    stats = by_text.runtime.router.stats
    assert (stats.requests, stats.by_id) == (1, 0)


async def test_ready_probes_the_router_by_id(by_ids: Screen) -> None:
    """``/ready`` sends the ``BffMobile_Ready`` piece by id, which the safelisting router
    answers (the BFF's former ``query BffReady`` text would be refused)."""
    ready = (await by_ids.http.get("/ready")).json()
    assert (ready["status"], ready["checks"]["router"]) == (
        "ready",
        {"ok": True, "url": by_ids.runtime.router.url},
    )
    assert by_ids.runtime.router.stats.requests == 0  # probes are not counted
