"""The router's caching over real processes and real Redis (issue #17): the merged
Cache-Control of public, private and no-store mixes with the Cache-Tag header, a PRIVATE entity
never served to another user, a partial hit that sends only the missing representations, and
invalidation (endpoint, domain event) racing readers: never stale once it returned.

Expected data comes from the subgraphs themselves, asked directly (not through the router);
expected headers from the ``@cacheControl`` hints written in the subgraph schemas; request and
representation counts from recording proxies in front of the subgraphs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.caching.platform import (
    INVALIDATION_KEY,
    Proxies,
    cache_router,
    entity_tag,
    running_proxies,
)
from tests.http.router_process import RunningRouter
from tests.security.e2e.platform import Platform, running_platform

pytestmark = pytest.mark.e2e

ENTITY_HEADERS = ("cache-control", "cache-tag")


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with running_platform(tmp_path_factory.mktemp("cache")) as running:
        yield running


@pytest.fixture(scope="module")
def proxies(platform: Platform) -> Iterator[Proxies]:
    with running_proxies(platform) as running:
        yield running


@pytest.fixture
def router(platform: Platform, proxies: Proxies) -> Iterator[RunningRouter]:
    with cache_router(platform, proxies) as running:
        proxies.reset()
        yield running


def post(router: RunningRouter, query: str, token: str | None = None, **variables: Any) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpx.post(
        router.graphql_url,
        json={"query": query, "variables": variables},
        headers=headers,
        timeout=30,
    )


def direct(platform: Platform, name: str, query: str, **variables: Any) -> Any:
    """The subgraph's own answer (the reference data)."""
    body = {"query": query, "variables": variables}
    return httpx.post(platform.stack.urls[name], json=body, timeout=30).json()["data"]


def cache_headers(response: httpx.Response) -> dict[str, str]:
    return {k: response.headers[k] for k in ENTITY_HEADERS if k in response.headers}


def upcs(platform: Platform, count: int) -> list[str]:
    found = direct(platform, "products", f"{{ topProducts(first: {count}) {{ upc }} }}")
    return [p["upc"] for p in found["topProducts"]]


def test_merged_cache_control_of_public_private_and_no_store_mixes(
    platform: Platform, router: RunningRouter
) -> None:
    top = "{ topProducts(first: 2) { upc name price } }"
    expected_top = direct(platform, "products", top)
    response = post(router, top)
    assert response.json() == {"data": expected_top}
    # topProducts maxAge 60 < Product 300; only a root fetch: the Query tags of products
    assert cache_headers(response) == {
        "cache-control": "max-age=60, public",
        "cache-tag": "subgraph-products,type-products-Query",
    }

    first, second = upcs(platform, 2)
    stock = "query S($upc: String!) { product(upc: $upc) { upc inStock } }"
    response = post(router, stock, upc=first)
    in_stock = direct(
        platform,
        "inventory",
        "query E($r: [_Any!]!) { _entities(representations: $r) { ... on Product { inStock } } }",
        r=[{"__typename": "Product", "upc": first}],
    )["_entities"][0]["inStock"]
    assert response.json() == {"data": {"product": {"upc": first, "inStock": in_stock}}}
    # product: Product 300 (products); inventory's Product 5 (short-lived stock): 5 wins
    assert cache_headers(response) == {
        "cache-control": "max-age=5, public",
        "cache-tag": ",".join(
            sorted(
                [
                    "subgraph-products",
                    "type-products-Query",
                    "subgraph-inventory",
                    "type-inventory-Product",
                    entity_tag("inventory", "Product", {"upc": first}),
                ]
            )
        ),
    }

    exact = "query Q($upc: String!) { product(upc: $upc) { upc stockQuantity } }"
    response = post(router, exact, upc=second)
    assert response.json()["data"]["product"]["upc"] == second
    assert cache_headers(response) == {"cache-control": "no-store"}  # maxAge 0: no tags

    token = platform.token("2")
    me = "{ me { id username } topProducts(first: 1) { name } }"
    expected_user = direct(platform, "accounts", '{ user(id: "2") { id username } }')["user"]
    response = post(router, me, token)
    assert response.json()["data"]["me"] == expected_user
    # me: maxAge 30 PRIVATE, User 60; topProducts 60 public: 30 and private win
    assert response.headers["cache-control"] == "max-age=30, private"

    refused = post(router, "{ me { id } }")  # anonymous: @authenticated removes it, an error
    assert refused.json()["errors"]
    assert cache_headers(refused) == {}
    mutation = 'mutation { login(username: "nobody-at-all", password: "wrong-password") { token } }'
    assert "cache-control" not in post(router, mutation).headers


def test_a_private_entity_is_never_served_to_another_user(
    platform: Platform, router: RunningRouter, proxies: Proxies
) -> None:
    query = "query U($id: ID!) { user(id: $id) { id email } }"
    owner, other = platform.token("3"), platform.token("4")
    first = post(router, query, owner, id="3")
    assert first.headers["cache-control"] == "max-age=60, private"
    own_email = first.json()["data"]["user"]["email"]
    assert isinstance(own_email, str) and own_email
    proxies.reset()
    again = post(router, query, owner, id="3")
    assert again.json() == first.json()
    assert proxies.records("accounts") == []  # served from the owner's private entry
    stranger = post(router, query, other, id="3")
    assert stranger.json() == {"data": {"user": {"id": "3", "email": None}}}
    assert len(proxies.records("accounts")) == 1  # asked the subgraph, never the owner's entry


def test_a_partial_hit_fetches_only_the_missing_entities(
    platform: Platform, router: RunningRouter, proxies: Proxies
) -> None:
    query = (
        "query P($upcs: [String!]!) { productsByUpc(upcs: $upcs) "
        "{ upc reviewSummary { count averageRating } } }"
    )
    a, b, c = upcs(platform, 3)
    summaries = direct(
        platform,
        "reviews",
        "query E($r: [_Any!]!) { _entities(representations: $r) "
        "{ ... on Product { upc reviewSummary { count averageRating } } } }",
        r=[{"__typename": "Product", "upc": u} for u in (a, b, c)],
    )["_entities"]
    assert post(router, query, upcs=[a, c]).json() == {
        "data": {"productsByUpc": [summaries[0], summaries[2]]}
    }
    assert proxies.representations("reviews") == [
        [{"__typename": "Product", "upc": a}, {"__typename": "Product", "upc": c}]
    ]
    proxies.reset()
    response = post(router, query, upcs=[a, b, c])
    assert response.json() == {"data": {"productsByUpc": summaries}}  # in order
    assert proxies.representations("reviews") == [[{"__typename": "Product", "upc": b}]]
    # reviews' 120 < products' 300; a hit reports its remaining age (Apollo Router), so <= 120
    age, scope = response.headers["cache-control"].split(", ")
    assert scope == "public" and age.startswith("max-age=") and 0 < int(age[8:]) <= 120
    proxies.reset()
    assert post(router, query, upcs=[c, b, a]).json() == {
        "data": {"productsByUpc": summaries[::-1]}
    }
    assert proxies.representations("reviews") == []  # a full hit


PRICE = "query P($upc: String!) { product(upc: $upc) { upc price } }"
SET_PRICE = (
    "mutation S($upc: String!, $price: Int!) { updateProductPrice(upc: $upc, price: $price) "
    "{ price } }"
)


async def _race(
    router: RunningRouter, upc: str, change: Any, readers: int = 4
) -> tuple[float, list[tuple[float, float, int]]]:
    """Readers loop on the price while ``change()`` runs; returns when ``change`` returned
    (monotonic) and every read as (start, end, price)."""
    reads: list[tuple[float, float, int]] = []
    done = asyncio.Event()

    async def reader(client: httpx.AsyncClient) -> None:
        while not done.is_set():
            start = time.monotonic()
            body = {"query": PRICE, "variables": {"upc": upc}}
            answer = (await client.post(router.graphql_url, json=body)).json()
            reads.append((start, time.monotonic(), answer["data"]["product"]["price"]))

    async with httpx.AsyncClient(timeout=30) as client:
        tasks = [asyncio.create_task(reader(client)) for _ in range(readers)]
        returned = await change(client)
        await asyncio.sleep(0)  # reads started after the change keep going a while
        deadline = time.monotonic() + 60
        # polling the readers' own list (no event of ours to await), bounded by a deadline
        while sum(1 for r in reads if r[0] > returned) < 20 and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        done.set()
        await asyncio.gather(*tasks)
    return returned, reads


async def test_invalidation_endpoint_then_never_stale(
    platform: Platform, router: RunningRouter
) -> None:
    (upc,) = upcs(platform, 1)
    old = direct(platform, "products", PRICE, upc=upc)["product"]["price"]
    new = old + 17
    admin = platform.token("1", ("products:admin",))
    assert post(router, PRICE, upc=upc).json()["data"]["product"]["price"] == old  # cached

    async def change(client: httpx.AsyncClient) -> float:
        auth = {"authorization": f"Bearer {admin}"}
        body = {"query": SET_PRICE, "variables": {"upc": upc, "price": new}}
        changed = await client.post(router.graphql_url, json=body, headers=auth)
        assert changed.json() == {"data": {"updateProductPrice": {"price": new}}}
        # the entry is still there: the cache answers the old price until invalidated
        stale = await client.post(
            router.graphql_url, json={"query": PRICE, "variables": {"upc": upc}}
        )
        assert stale.json()["data"]["product"]["price"] == old
        refused = await client.post(
            f"{router.url}/invalidation", json=[], headers={"authorization": "wrong"}
        )
        assert refused.status_code == 401
        request = [
            {"kind": "entity", "subgraph": "products", "type": "Product", "key": {"upc": upc}}
        ]
        dropped = await client.post(
            f"{router.url}/invalidation",
            json=request,
            headers={"authorization": INVALIDATION_KEY},
        )
        assert dropped.status_code == 200 and dropped.json()["count"] >= 1
        return time.monotonic()

    returned, reads = await _race(router, upc, change)
    after = [price for start, _, price in reads if start > returned]
    assert len(after) >= 20 and set(after) == {new}


async def test_a_domain_event_invalidates_then_never_stale(
    platform: Platform, proxies: Proxies
) -> None:
    upc = upcs(platform, 3)[2]  # not the endpoint test's product
    with cache_router(platform, proxies, events=True) as router:
        old = direct(platform, "products", PRICE, upc=upc)["product"]["price"]
        new = old + 23
        admin = platform.token("1", ("products:admin",))
        assert post(router, PRICE, upc=upc).json()["data"]["product"]["price"] == old

        async def change(client: httpx.AsyncClient) -> float:
            auth = {"authorization": f"Bearer {admin}"}
            body = {"query": SET_PRICE, "variables": {"upc": upc, "price": new}}
            changed = await client.post(router.graphql_url, json=body, headers=auth)
            assert changed.json() == {"data": {"updateProductPrice": {"price": new}}}
            # the event arrives through the outbox relay and the broker: wait for its effect
            deadline = time.monotonic() + 60
            body = {"query": PRICE, "variables": {"upc": upc}}
            while time.monotonic() < deadline:
                seen = (await client.post(router.graphql_url, json=body)).json()
                if seen["data"]["product"]["price"] == new:
                    return time.monotonic()
                await asyncio.sleep(0.05)
            raise AssertionError("the PriceChanged event never invalidated the cached price")

        returned, reads = await _race(router, upc, change)
    after = [price for start, _, price in reads if start > returned]
    assert len(after) >= 20 and set(after) == {new}
