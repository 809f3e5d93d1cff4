"""Identity comes only from a verified bearer token, in every mode (issue #11).

Development mode (the default, and compose's) used to trust a client-sent ``x-user-id``: anyone
could read anyone's account, and the null the router answered for that anonymous call was cached
under user 3's key, hiding their orders from user 3 themself for 30 s.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from redis.asyncio import Redis

from subgraphs.seeding import SeedData
from tests.bff import expected
from tests.bff.apps import running_bff
from tests.bff.conftest import Screen
from tests.bff.stack import BffStack

pytestmark = [pytest.mark.e2e]

USER = 3
UNAUTHENTICATED = {
    "message": "this field needs the caller's identity (a bearer token)",
    "extensions": {"code": "UNAUTHENTICATED"},
}


@pytest.mark.parametrize(
    ("client", "operation", "field", "line", "answer"),
    [
        ("web", "AccountPage", "account", 2, lambda seed: expected.account(seed, USER)),
        ("mobile", "MyOrders", "myOrders", 2, lambda seed: expected.my_orders(seed, USER, 10)),
    ],
)
async def test_development_mode_ignores_a_client_sent_user_id(
    bff_stack: BffStack,
    seed: SeedData,
    bearer: Callable[[int], str],
    redis_url: str,
    redis_namespace: str,
    redis_client: Redis,
    client: str,
    operation: str,
    field: str,
    line: int,
    answer: Callable[[SeedData], dict[str, object]],
) -> None:
    async with running_bff(
        client,
        router_url=bff_stack.router_url,
        redis_url=redis_url,
        namespace=redis_namespace,
        mode="development",
        supergraph_path=bff_stack.supergraph_path,
        **bff_stack.token_settings(),
    ) as (http, runtime):
        screen = Screen(http, runtime, by_hash=False)
        claimed = await screen.run(operation, x_user_id=str(USER))
        error = {**UNAUTHENTICATED, "locations": [{"line": line, "column": 3}], "path": [field]}
        data = {field: None} if client == "web" else None
        assert (claimed.status_code, claimed.json()) == (200, {"data": data, "errors": [error]})
        assert screen.last_router_requests == 0
        # the owner right after: nothing was cached under their key by the claim
        assert await screen.data(operation, authorization=bearer(USER)) == answer(seed)
