"""Issue #16, the lifecycle of subscriptions over real processes: the graphql-transport-ws
protocol's rules and close codes, the per-connection and global caps, a supergraph hot reload
ending open subscriptions with a reason, and a subgraph disconnect ending the client's stream
with an error. This module's router has small caps, a short ``connection_init`` timeout and its
own copy of the supergraph file (rewritten to reload it); its orders subgraph is a process of
its own (killed by the last test)."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from subgraphs.seeding import SeedSizes, generate
from tests.http.router_process import RunningRouter, running_router
from tests.security.e2e.platform import SECRET, SUPERGRAPH, Platform
from tests.subscriptions.clients import TRANSPORTS, subscribe
from tests.support.stack import RunningStack, running_stack

pytestmark = pytest.mark.e2e

SEED = generate(SeedSizes())
OWNER = SEED.users[0]
ORDER = next(o for o in SEED.orders if o.user_id == OWNER.id)
STATUS = "subscription S($id: ID!) { orderStatusChanged(orderId: $id) { id status } }"
PROTOCOL = [Subprotocol("graphql-transport-ws")]
RELOADED = [
    {
        "message": "subscription has been closed due to a schema reload",
        "extensions": {"code": "SUBSCRIPTION_SCHEMA_RELOAD"},
    }
]


def placed() -> tuple[str, dict[str, Any]]:
    order = {"id": str(ORDER.id), "status": ORDER.status}
    return ("next", {"data": {"orderStatusChanged": order}})


@pytest.fixture(scope="module")
def orders(
    platform: Platform, channel_prefix: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningStack]:
    urls = platform.stack.urls
    env = {
        "IDENTITY_HMAC_SECRET": SECRET,
        "LIVE_CHANNEL_PREFIX": f"{channel_prefix}-own",
        "ORDERS_PRODUCTS_URL": urls["products"],
        "ORDERS_INVENTORY_URL": urls["inventory"],
    }
    workdir = tmp_path_factory.mktemp("own-orders")
    with running_stack(workdir, ["orders"], extra_env={"orders": env}) as stack:
        yield stack


@pytest.fixture(scope="module")
def supergraph_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("supergraph") / "supergraph.graphql"
    shutil.copyfile(SUPERGRAPH, path)
    return path


@pytest.fixture(scope="module")
def router(
    platform: Platform, orders: RunningStack, supergraph_file: Path
) -> Iterator[RunningRouter]:
    config = platform.router_config()
    config["subgraphs"]["orders"] = {"url": orders.urls["orders"]}
    config["subscriptions"] = {
        "max_open": 3,
        "max_per_connection": 1,
        "connection_init_timeout_seconds": 1.0,
    }
    with running_router(
        platform.workdir, supergraph=supergraph_file, config=config, name="lifecycle"
    ) as running:
        yield running


def rewrite(path: Path) -> None:
    """The same supergraph written again: the router's file watcher reloads it."""
    path.write_text(path.read_text() + "\n")


async def no_subscription_open(router: RunningRouter, seconds: float = 30.0) -> None:
    """Until the router's ``router_subscriptions_open`` gauge reads 0: a client's close reaches
    the router some time after the client's side is done (on a loaded machine, long enough for
    the next test's subscriptions to meet the cap of 3 still held by the last test's)."""
    async with httpx.AsyncClient() as client, asyncio.timeout(seconds):
        while True:
            scrape = (await client.get(f"{router.url}/metrics")).text
            if "\nrouter_subscriptions_open 0.0\n" in scrape:
                return
            await asyncio.sleep(0.05)


def ws_url(router: RunningRouter) -> str:
    return router.graphql_url.replace("http://", "ws://", 1)


async def closed_with(
    router: RunningRouter, *messages: dict[str, Any], protocol: bool = True
) -> tuple[int | None, str | None]:
    """Send ``messages`` and read until the router closes: its close code and reason."""
    async with connect(ws_url(router), subprotocols=PROTOCOL if protocol else None) as ws:
        for message in messages:
            await ws.send(message if isinstance(message, str) else json.dumps(message))
        try:
            async for _ in ws:
                pass
        except ConnectionClosed:
            pass
        return ws.close_code, ws.close_reason


async def test_graphql_transport_ws_close_codes(platform: Platform, router: RunningRouter) -> None:
    init = {"type": "connection_init"}
    subscribe_message = {"id": "1", "type": "subscribe", "payload": {"query": STATUS}}
    bad_token = {"type": "connection_init", "payload": {"Authorization": "Bearer not-a-token"}}
    assert await closed_with(router, protocol=False) == (4406, "Subprotocol not acceptable")
    assert await closed_with(router, subscribe_message) == (4401, "Unauthorized")
    assert await closed_with(router, init, init) == (4429, "Too many initialisation requests")
    assert await closed_with(router, init, "{not json") == (4400, "Invalid message received")
    assert await closed_with(router) == (4408, "Connection initialisation timeout")
    code, reason = await closed_with(router, bad_token)
    assert code == 4403
    assert reason is not None and reason.startswith("Forbidden")


async def test_ping_pong_duplicate_ids_and_a_query(
    platform: Platform, router: RunningRouter
) -> None:
    token = platform.token(str(OWNER.id))
    async with connect(ws_url(router), subprotocols=PROTOCOL) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        await ws.send(json.dumps({"type": "ping", "payload": {"n": 1}}))
        assert json.loads(await ws.recv()) == {"type": "pong", "payload": {"n": 1}}
        query = {"query": "query { __typename }"}
        await ws.send(json.dumps({"id": "q", "type": "subscribe", "payload": query}))
        assert json.loads(await ws.recv()) == {
            "id": "q",
            "type": "next",
            "payload": {"data": {"__typename": "Query"}},
        }
        assert json.loads(await ws.recv()) == {"id": "q", "type": "complete"}
        payload = {"query": STATUS, "variables": {"id": str(ORDER.id)}}
        await ws.send(json.dumps({"id": "s", "type": "subscribe", "payload": payload}))
        first = json.loads(await ws.recv())
        assert first == {"id": "s", "type": "next", "payload": placed()[1]}
        await ws.send(json.dumps({"id": "s", "type": "subscribe", "payload": payload}))
        with pytest.raises(ConnectionClosed):
            await ws.recv()
        assert (ws.close_code, ws.close_reason) == (4409, "Subscriber for s already exists")


LIMIT_CONNECTION = [
    {
        "message": "Too many open subscriptions on this connection (at most 1).",
        "extensions": {"code": "SUBSCRIPTION_LIMIT_EXCEEDED"},
    }
]
LIMIT_ROUTER = [
    {
        "message": "Too many open subscriptions on this router (at most 3); retry later.",
        "extensions": {"code": "SUBSCRIPTION_LIMIT_EXCEEDED"},
    }
]


async def test_caps_per_connection_and_per_router(
    platform: Platform, router: RunningRouter
) -> None:
    token = platform.token(str(OWNER.id))
    payload = {"query": STATUS, "variables": {"id": str(ORDER.id)}}
    async with connect(ws_url(router), subprotocols=PROTOCOL) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        await ws.send(json.dumps({"id": "a", "type": "subscribe", "payload": payload}))
        assert json.loads(await ws.recv())["type"] == "next"
        await ws.send(json.dumps({"id": "b", "type": "subscribe", "payload": payload}))
        assert json.loads(await ws.recv()) == {
            "id": "b",
            "type": "error",
            "payload": LIMIT_CONNECTION,
        }
        variables = payload["variables"]
        async with (
            subscribe("sse", router.graphql_url, STATUS, variables, token) as second,
            subscribe("multipart", router.graphql_url, STATUS, variables, token) as third,
        ):
            assert await second.receive() == placed()
            assert await third.receive() == placed()
            async with subscribe("sse", router.graphql_url, STATUS, variables, token) as fourth:
                assert (fourth.status, fourth.refusal) == (429, {"errors": LIMIT_ROUTER})
    # all closed: the slots are free again, once the router has seen the closes
    await no_subscription_open(router)
    async with subscribe("sse", router.graphql_url, STATUS, variables, token) as again:
        assert await again.receive() == placed()


async def test_a_supergraph_reload_ends_open_subscriptions_with_a_reason(
    platform: Platform, router: RunningRouter, supergraph_file: Path
) -> None:
    token = platform.token(str(OWNER.id))
    variables = {"id": str(ORDER.id)}
    await no_subscription_open(router)  # the cap is 3: the earlier tests' must be gone
    async with (
        subscribe(TRANSPORTS[0], router.graphql_url, STATUS, variables, token) as ws,
        subscribe(TRANSPORTS[1], router.graphql_url, STATUS, variables, token) as sse,
        subscribe(TRANSPORTS[2], router.graphql_url, STATUS, variables, token) as multipart,
    ):
        for sub in (ws, sse, multipart):
            assert await sub.receive() == placed()
        await asyncio.to_thread(rewrite, supergraph_file)
        ended = ("next", {"errors": RELOADED, "data": None})
        assert await ws.receive_all(2) == [ended, ("complete", None)]
        assert await sse.receive_all(2) == [ended, ("complete", None)]
        assert await multipart.receive_all(2) == [("error", RELOADED), ("complete", None)]


async def test_a_subgraph_disconnect_ends_the_client_stream_with_an_error(
    platform: Platform, router: RunningRouter, orders: RunningStack
) -> None:
    """Last in this module: it stops this module's orders process."""
    token = platform.token(str(OWNER.id))
    variables = {"id": str(ORDER.id)}
    closed = [
        {
            "message": "subgraph 'orders' closed the subscription stream",
            "extensions": {"code": "SUBSCRIPTION_SUBGRAPH_CLOSED", "service": "orders"},
        }
    ]
    await no_subscription_open(router)  # the cap is 3: the earlier tests' must be gone
    async with (
        subscribe(TRANSPORTS[0], router.graphql_url, STATUS, variables, token) as ws,
        subscribe(TRANSPORTS[1], router.graphql_url, STATUS, variables, token) as sse,
        subscribe(TRANSPORTS[2], router.graphql_url, STATUS, variables, token) as multipart,
    ):
        for sub in (ws, sse, multipart):
            assert await sub.receive() == placed()
        orders.processes["orders"].kill()
        ended = ("next", {"errors": closed, "data": None})
        assert await ws.receive_all(2) == [ended, ("complete", None)]
        assert await sse.receive_all(2) == [ended, ("complete", None)]
        assert await multipart.receive_all(2) == [("error", closed), ("complete", None)]
