"""Plugins on subscriptions over real processes (issue #18, "Plugins"): the router process with
the two example plugins and the probe (as in :mod:`tests.plugins.test_plugins_e2e`), the seeded
subgraphs, ``stockChanged(upc:)`` from inventory (its first event is the stock now) joined with
``Product.description`` from products, which carries ``@policy`` in this supergraph. Each client
transport (graphql-transport-ws, SSE, multipart), whole messages compared.

Expected values come from the seed data and from the query semantics the other plugin tests
pin: ``@policy`` granted by ``policy_evaluator`` lets the field through, denied is null with
``UNAUTHORIZED_FIELD_OR_TYPE`` (``description: String!`` and ``stockChanged: Product!``, so the
null reaches ``data``); a refusal at subscribe time refuses the subscription in the transport's
format (a WebSocket ``error`` message, an HTTP JSON answer with the plugin's status)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.http.router_process import RunningRouter, running_router
from tests.plugins.test_plugins_e2e import PLUGINS, PRODUCT, UNAUTHORIZED, bearer
from tests.security.e2e.platform import Platform
from tests.subscriptions.clients import TRANSPORTS, Message, subscribe

pytestmark = pytest.mark.e2e

STOCK_DESCRIPTION = "subscription S($upc: String!) { stockChanged(upc: $upc) { upc description } }"
STOCK_NAME = "subscription S($upc: String!) { stockChanged(upc: $upc) { upc name } }"
VARIABLES = {"upc": PRODUCT.upc}
PROBE = "tests.plugins.sample_plugins:Probe"


@pytest.fixture(scope="module")
def router(platform: Platform, supergraph: Path) -> Iterator[RunningRouter]:
    config = platform.router_config() | {"plugins": PLUGINS}
    with running_router(
        platform.workdir, supergraph=supergraph, config=config, name="plugged-live"
    ) as r:
        yield r


async def first_messages(
    router: RunningRouter,
    transport: str,
    query: str,
    count: int,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, list[Message]]:
    """The HTTP status, a refusal's JSON body, and the first ``count`` messages (none when the
    HTTP request was refused)."""
    raw = None if token is None else token.removeprefix("Bearer ")
    async with subscribe(
        transport, router.graphql_url, query, VARIABLES, raw, headers=headers
    ) as sub:
        if sub.refusal is not None:
            return sub.status, sub.refusal, []
        return sub.status, None, await sub.receive_all(count)


def opened(transport: str) -> int:
    return 101 if transport == "websocket" else 200


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_policy_granted_by_the_evaluator_reaches_the_subscriber_denied_is_null(
    platform: Platform, router: RunningRouter, transport: str
) -> None:
    staff = await first_messages(
        router, transport, STOCK_DESCRIPTION, 1, bearer(platform, role="staff")
    )
    customer = await first_messages(
        router, transport, STOCK_DESCRIPTION, 1, bearer(platform, role="customer")
    )
    granted = {"data": {"stockChanged": {"upc": PRODUCT.upc, "description": PRODUCT.description}}}
    denied_error = {**UNAUTHORIZED, "path": ["stockChanged", "description"]}
    assert staff == (opened(transport), None, [("next", granted)])
    assert customer == (
        opened(transport),
        None,
        [("next", {"errors": [denied_error], "data": None})],
    )


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_the_tenant_guard_refuses_a_subscription_at_request_received(
    platform: Platform, router: RunningRouter, transport: str
) -> None:
    token = bearer(platform, tenant="acme", role="staff")
    refused = await first_messages(
        router, transport, STOCK_NAME, 1, token, headers={"x-tenant": "globex"}
    )
    error = {
        "message": "The x-tenant header does not match the tenant of the verified token",
        "extensions": {"code": "TENANT_MISMATCH"},
    }
    if transport == "websocket":
        assert refused == (101, None, [("error", [error])])
    else:
        assert refused == (403, {"errors": [error]}, [])


@pytest.mark.parametrize("hook", ["on_request", "on_operation", "on_plan"])
async def test_a_rejection_before_execution_refuses_the_subscription(
    router: RunningRouter, hook: str
) -> None:
    error = {"message": f"probe refused in {hook}", "extensions": {"code": "PROBE_REJECTED"}}
    sse = await first_messages(router, "sse", STOCK_NAME, 1, headers={"x-plugin-reject": hook})
    websocket = await first_messages(
        router, "websocket", STOCK_NAME, 1, headers={"x-plugin-reject": hook}
    )
    assert sse == (451, {"errors": [error]}, [])
    assert websocket == (101, None, [("error", [error])])


async def test_the_subgraph_subscription_goes_through_on_subgraph_request(
    router: RunningRouter,
) -> None:
    """The probe refuses the first subgraph call: the subscription to inventory itself."""
    refused = await first_messages(
        router, "multipart", STOCK_NAME, 1, headers={"x-plugin-reject-fetch": "1"}
    )
    error = {
        "message": "probe refused fetch 1",
        "extensions": {"code": "PROBE_REJECTED", "service": "inventory"},
    }
    assert refused == (451, {"errors": [error]}, [])


async def test_each_event_entity_fetch_goes_through_the_subgraph_hooks(
    router: RunningRouter,
) -> None:
    """The second subgraph call is the first event's ``_entities`` fetch to products (for
    ``name``): refused, that fetch fails alone, as a query's refused fetch does."""
    events = await first_messages(
        router, "sse", STOCK_NAME, 1, headers={"x-plugin-reject-fetch": "2"}
    )
    error = {
        "message": "probe refused fetch 2",
        "path": ["stockChanged"],
        "extensions": {"code": "PROBE_REJECTED", "service": "products"},
    }
    assert events == (200, None, [("next", {"errors": [error], "data": None})])


async def test_each_subgraph_event_goes_through_on_subgraph_response(
    router: RunningRouter,
) -> None:
    events = await first_messages(
        router, "sse", STOCK_NAME, 1, headers={"x-plugin-reject": "on_subgraph_response"}
    )
    error = {
        "message": "probe refused in on_subgraph_response",
        "extensions": {"code": "PROBE_REJECTED", "service": "inventory"},
    }
    assert events == (200, None, [("next", {"errors": [error], "data": None})])


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_on_response_runs_per_event_and_its_refusal_ends_the_stream(
    router: RunningRouter, transport: str
) -> None:
    error = {"message": "probe refused in on_response", "extensions": {"code": "PROBE_REJECTED"}}
    headers = {"x-plugin-reject": "on_response"}
    count = 1 if transport == "websocket" else 2
    ended = await first_messages(router, transport, STOCK_NAME, count, headers=headers)
    expected: dict[str, list[Message]] = {
        # nothing was delivered yet: graphql-transport-ws's "error" (the operation failed)
        "websocket": [("error", [error])],
        "sse": [("next", {"errors": [error]}), ("complete", None)],
        "multipart": [("next", {"errors": [error]}), ("complete", None)],
    }
    assert ended == (opened(transport), None, expected[transport])


@pytest.mark.parametrize("transport", ["websocket", "sse"])
async def test_a_query_over_a_streaming_transport_goes_through_the_plugins_too(
    router: RunningRouter, transport: str
) -> None:
    query = "query P($upc: String!) { product(upc: $upc) { upc } }"
    headers = {"x-plugin-reject": "on_request"}
    count = 1 if transport == "websocket" else 2
    refused = await first_messages(router, transport, query, count, headers=headers)
    error = {"message": "probe refused in on_request", "extensions": {"code": "PROBE_REJECTED"}}
    expected: list[Message] = (
        [("error", [error])]
        if transport == "websocket"
        else [("next", {"errors": [error]}), ("complete", None)]
    )
    assert refused == (opened(transport), None, expected)
