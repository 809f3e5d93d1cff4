"""Issue #16: identical client subscriptions share one subgraph WebSocket
(``subscriptions.enable_deduplication``, :mod:`router.subscriptions.shared`).

The router reaches inventory through a TCP relay this test owns, which counts the WebSocket
upgrades passing through it: what the subgraph sees, observed outside the router. Three clients
(one per transport) follow one product's stock and a fourth another product's: two subgraph
streams, each client still gets the current stock first and every change; without
deduplication the same clients open four."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from router.execution.subgraphs import SubgraphAnswer
from router.subscriptions.shared import StreamRequest, SubgraphStreams
from router.subscriptions.upstream import SubgraphStreamError
from servicekit.processes import free_port
from subgraphs.seeding import SeedSizes, generate
from tests.http.router_process import RunningRouter, running_router
from tests.security.e2e.platform import SUPERGRAPH, Platform
from tests.subscriptions.clients import TRANSPORTS, Subscription, subscribe
from tests.subscriptions.test_order_status import PLACE, post, token

pytestmark = pytest.mark.e2e

SEED = generate(SeedSizes())
STOCK = {s.upc: s.quantity for s in SEED.stock}
# stock 10-49: no other test of the package orders these
FOLLOWED, OTHER = [p for p in SEED.products if 10 <= STOCK[p.upc] < 50][:2]
BUYER = SEED.users[3]
STOCK_CHANGED = "subscription S($upc: String!) { stockChanged(upc: $upc) { upc stockQuantity } }"


def level(upc: str, quantity: int) -> tuple[str, object]:
    return ("next", {"data": {"stockChanged": {"upc": upc, "stockQuantity": quantity}}})


@dataclass
class UpgradeCountingRelay:
    """Relays TCP to ``target``; counts connections whose request is a WebSocket upgrade."""

    target_port: int
    port: int = field(default_factory=free_port)
    upgrades: int = 0
    open_upgrades: int = 0
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        upgrade = b"upgrade: websocket" in head.lower()
        self.upgrades += upgrade
        self.open_upgrades += upgrade
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        up_writer.write(head)
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            self.open_upgrades -= upgrade
            self.closed.set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[UpgradeCountingRelay]:
        server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        async with server:
            yield self


@contextlib.contextmanager
def router_via(
    platform: Platform, relay: UpgradeCountingRelay, dedup: bool
) -> Iterator[RunningRouter]:
    config = platform.router_config()
    inventory = urlsplit(platform.stack.urls["inventory"])
    url = inventory._replace(netloc=f"127.0.0.1:{relay.port}").geturl()
    config["subgraphs"]["inventory"] = {"url": url}
    config["subscriptions"] = {"enable_deduplication": dedup}
    name = f"shared{uuid.uuid4().hex[:6]}"
    with running_router(platform.workdir, supergraph=SUPERGRAPH, config=config, name=name) as r:
        yield r


async def _follow(
    stack: AsyncExitStack, router: RunningRouter, transport: str, upc: str
) -> Subscription:
    sub = await stack.enter_async_context(
        subscribe(transport, router.graphql_url, STOCK_CHANGED, {"upc": upc}, None)
    )
    assert await sub.receive() == level(upc, STOCK_EXPECTED[upc])
    return sub


STOCK_EXPECTED = {FOLLOWED.upc: STOCK[FOLLOWED.upc], OTHER.upc: STOCK[OTHER.upc]}


async def _order(platform: Platform, router: RunningRouter, upc: str) -> None:
    line = {"upc": upc, "quantity": 1}
    order_input = {"idempotencyKey": f"shared-{uuid.uuid4()}", "items": [line]}
    placed = await post(router, PLACE, {"input": order_input}, token(platform, BUYER.id))
    assert "errors" not in placed, placed
    STOCK_EXPECTED[upc] -= 1


async def _eventually_closed(relay: UpgradeCountingRelay, open_upgrades: int) -> None:
    async with asyncio.timeout(20):
        while relay.open_upgrades != open_upgrades:
            relay.closed.clear()
            await relay.closed.wait()


@pytest.mark.parametrize("dedup", [True, False], ids=["deduplicated", "one-stream-each"])
async def test_identical_subscriptions_share_one_subgraph_stream(
    platform: Platform, dedup: bool
) -> None:
    relay = UpgradeCountingRelay(urlsplit(platform.stack.urls["inventory"]).port or 0)
    async with relay.running():
        with router_via(platform, relay, dedup) as router:
            async with AsyncExitStack() as stack:
                followers = [
                    await _follow(stack, router, transport, FOLLOWED.upc)
                    for transport in TRANSPORTS
                ]
                other = await _follow(stack, router, "websocket", OTHER.upc)
                assert (relay.upgrades, relay.open_upgrades) == ((2, 2) if dedup else (4, 4))

                await _order(platform, router, FOLLOWED.upc)
                expected = level(FOLLOWED.upc, STOCK_EXPECTED[FOLLOWED.upc])
                assert [await sub.receive() for sub in followers] == [expected] * 3
                await _order(platform, router, OTHER.upc)
                assert await other.receive() == level(OTHER.upc, STOCK_EXPECTED[OTHER.upc])

                # a late joiner of a shared stream starts from its latest event, as a stream of
                # its own starts from the current stock
                late = await _follow(stack, router, "sse", FOLLOWED.upc)
                assert relay.upgrades == (2 if dedup else 5)
                await _order(platform, router, FOLLOWED.upc)
                expected = level(FOLLOWED.upc, STOCK_EXPECTED[FOLLOWED.upc])
                assert [await sub.receive() for sub in [*followers, late]] == [expected] * 4
            # every client gone: every subgraph stream closed
            await _eventually_closed(relay, 0)


async def test_a_subscriber_that_falls_behind_is_ended_alone(
    platform: Platform, router: RunningRouter
) -> None:
    """In the router's own process model, over the real inventory subgraph: with
    ``max_lag_events`` 2, the subscriber that reads nothing is ended with
    ``SUBSCRIPTION_CLIENT_TOO_SLOW`` after the two events it holds; the other gets every event."""
    streams = SubgraphStreams(deduplicate=True, replay_latest=True, max_lag=2)
    request = StreamRequest(
        "inventory",
        platform.stack.urls["inventory"],
        {
            "query": "subscription S($upc: String!) { stockChanged(upc: $upc) { stockQuantity } }",
            "variables": {"upc": OTHER.upc},
        },
        {},
        connect_timeout=10,
    )
    reader, idle = streams.events(request), streams.events(request)

    async def next_quantity(events: AsyncIterator[SubgraphAnswer]) -> int:
        async with asyncio.timeout(20):
            answer = await anext(events)
        return int(answer.data["stockChanged"]["stockQuantity"])

    first = STOCK_EXPECTED[OTHER.upc]
    assert await next_quantity(reader) == first
    assert await next_quantity(idle) == first  # joined late: the latest event replayed
    levels = []
    for _ in range(3):
        await _order(platform, router, OTHER.upc)
        levels.append(await next_quantity(reader))
    assert levels == [first - 1, first - 2, first - 3]
    assert [await next_quantity(idle), await next_quantity(idle)] == levels[:2]
    with pytest.raises(SubgraphStreamError) as ended:
        await next_quantity(idle)
    assert ended.value.errors == [
        {
            "message": "the client did not keep up with its subscription's events",
            "extensions": {"code": "SUBSCRIPTION_CLIENT_TOO_SLOW"},
        }
    ]
    assert streams.open_count == 1  # the reader's stream goes on
    await reader.aclose()
    assert streams.open_count == 0
