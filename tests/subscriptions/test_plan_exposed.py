"""Issue #16: a client that asks for the plan (``Apollo-Expose-Query-Plan: true``, a development
router) gets it in the first event's ``extensions.apolloQueryPlan``, as a query's answer carries
it, printed as Apollo's ``Subscription { Primary, Rest }`` node: the text equals
``@apollo/query-planner``'s for the same operation (``test_plan.py`` runs it)."""

from __future__ import annotations

import pytest

from subgraphs.seeding import SeedSizes, generate
from tests.http.router_process import RunningRouter
from tests.subscriptions.clients import subscribe
from tests.subscriptions.test_plan import SAME_AS_APOLLO, _apollo

pytestmark = pytest.mark.e2e

SEED = generate(SeedSizes())
SOLD_OUT = next(s for s in SEED.stock if s.quantity == 0)  # nobody orders it: a stable level
NAME = next(p.name for p in SEED.products if p.upc == SOLD_OUT.upc)


@pytest.mark.parametrize("transport", ["sse", "multipart"])
async def test_the_first_event_carries_the_subscription_plan(
    router: RunningRouter, transport: str
) -> None:
    query = SAME_AS_APOLLO[1]  # stockChanged joined with products (a Rest)
    headers = {"apollo-expose-query-plan": "true"}
    variables = {"upc": SOLD_OUT.upc}
    async with subscribe(
        transport, router.graphql_url, query, variables, None, None, headers
    ) as sub:
        kind, payload = await sub.receive()
    level = {"upc": SOLD_OUT.upc, "name": NAME, "stockQuantity": 0}
    plan = payload["extensions"]["apolloQueryPlan"]
    assert (kind, payload["data"]) == ("next", {"stockChanged": level})
    assert plan["text"] == _apollo()[1]["text"]
    assert (plan["object"]["kind"], plan["object"]["node"]["kind"]) == (
        "QueryPlan",
        "Subscription",
    )
