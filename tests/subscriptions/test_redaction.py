"""Issue #18's error redaction reaches subscription events too: a production router's events
carry Apollo Router's message with the subgraph's name only where a development router's carry
the connection error (with the subgraph's address). Each event's entity fetch goes to a products
address nobody listens on."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from servicekit.processes import free_port
from subgraphs.seeding import SeedSizes, generate
from tests.http.router_process import RunningRouter, running_router
from tests.security.e2e.platform import SUPERGRAPH, Platform
from tests.subscriptions.clients import subscribe

pytestmark = pytest.mark.e2e

SEED = generate(SeedSizes())
PRODUCT = SEED.stock[0]
QUERY = "subscription S($upc: String!) { stockChanged(upc: $upc) { upc stockQuantity name } }"


@contextmanager
def router_without_products(platform: Platform, mode_flag: str) -> Iterator[RunningRouter]:
    config = platform.router_config()
    config["subgraphs"]["products"] = {"url": f"http://127.0.0.1:{free_port()}/graphql"}
    name = f"redact{uuid.uuid4().hex[:6]}"
    with running_router(
        platform.workdir, supergraph=SUPERGRAPH, config=config, mode_flag=mode_flag, name=name
    ) as router:
        yield router


async def first_event(router: RunningRouter) -> object:
    variables = {"upc": PRODUCT.upc}
    async with subscribe("sse", router.graphql_url, QUERY, variables, None) as sub:
        return await sub.receive()


async def test_production_events_hide_the_subgraph_address(platform: Platform) -> None:
    with router_without_products(platform, "--prod") as router:
        event = await first_event(router)
    assert event == (
        "next",
        {
            "data": None,  # stockChanged is non-null
            "errors": [
                {
                    "message": "HTTP fetch failed from 'products'",
                    "path": ["stockChanged"],
                    "extensions": {"code": "SUBREQUEST_HTTP_ERROR", "service": "products"},
                }
            ],
        },
    )


async def test_development_events_keep_the_detail(platform: Platform) -> None:
    with router_without_products(platform, "--dev") as router:
        kind, payload = await first_event(router)  # type: ignore[misc]
    error = payload["errors"][0]
    assert (kind, payload["data"], error["extensions"]["code"]) == (
        "next",
        None,
        "SUBREQUEST_HTTP_ERROR",
    )
    assert "127.0.0.1" in error["message"] or "127.0.0.1" in str(error["extensions"])
