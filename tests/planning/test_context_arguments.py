"""``@fromContext`` arguments (join v0.5 ``contextArguments``) are refused, never dropped.

The router does not plan contextual arguments yet (issue 14, #5). Before, the field was sent
without its argument: the subgraph answered for ``currency: null``, a wrong answer with no
error. Now the operation fails to plan with a clear error; fields without contextual
arguments of the same supergraph still plan.
"""

from __future__ import annotations

import httpx
import orjson
import pytest
from graphql import parse

from router.config import RouterConfig
from router.gateway import Gateway
from router.planning import PlanningError, plan_operation
from router.request import GraphQLRequest
from tests.planning.helpers import FIXTURES, assert_plan, fixture


def test_a_field_with_a_context_argument_is_refused_by_the_planner() -> None:
    with pytest.raises(PlanningError, match=r"Item\.price takes @fromContext arguments"):
        plan_operation(fixture("context"), parse("{ shop { items { price } } }"), None)


def test_other_fields_of_the_supergraph_still_plan() -> None:
    assert_plan(
        "context",
        "{ shop { currency items { id } } }",
        """
        QueryPlan {
          Fetch(service: "a") {
            {
              shop {
                currency
                items {
                  id
                }
              }
            }
          },
        }
        """,
    )


async def test_the_client_gets_a_planning_error_and_no_subgraph_is_called() -> None:
    calls: list[bytes] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request.content)
        return httpx.Response(200, content=orjson.dumps({"data": None}))

    sdl = (FIXTURES / "context.graphql").read_text()
    gateway = Gateway.from_sdl(sdl, RouterConfig(), transport=httpx.MockTransport(handle))
    try:
        response = await gateway.execute(GraphQLRequest(query="{ shop { items { price } } }"))
    finally:
        await gateway.aclose()
    body = response.to_dict()
    assert calls == []
    assert body.get("data") is None
    assert [e.get("extensions", {}).get("code") for e in body["errors"]] == [
        "QUERY_PLANNING_FAILED"
    ]
