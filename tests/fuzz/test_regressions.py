"""Fixed bugs the fuzzing found, pinned as plain cases over the same processes."""

from __future__ import annotations

import httpx
import pytest

from tests.fuzz.properties import GRAPHQL_RESPONSE_JSON, JSON, check_response
from tests.fuzz.stack import FuzzStack

DEEP = "{ topProducts(first: 1) { reviews { product { reviews { product { reviews { product { reviews { product { upc } } } } } } } } } }"  # fmt: skip
TOO_MANY_ALIASES = "{ me { " + " ".join(f"a{i}: id" for i in range(31)) + " } }"
COST_ERROR = {
    "message": "The estimated cost of the operation (7805) is more than the limit (5000).",
    "extensions": {"code": "COST_ESTIMATED_TOO_EXPENSIVE", "measured": 7805.0, "limit": 5000.0},
}


@pytest.mark.parametrize(("accept", "status"), [(JSON, 200), (GRAPHQL_RESPONSE_JSON, 400)])
def test_operation_limits_follow_the_media_type_rules(
    fuzz_stack: FuzzStack, client: httpx.Client, accept: str, status: int
) -> None:
    """Found by test_broken_documents: a cost/alias/depth refusal was 400 under application/json;
    it is a request error like a validation error, so 200 there and 400 under
    application/graphql-response+json (GraphQL-over-HTTP, "Response")."""
    deep = client.post(fuzz_stack.router, json={"query": DEEP}, headers={"accept": accept})
    assert (deep.status_code, check_response(deep)) == (status, {"errors": [COST_ERROR]})
    aliases = client.post(
        fuzz_stack.router, json={"query": TOO_MANY_ALIASES}, headers={"accept": accept}
    )
    assert aliases.status_code == status
    assert check_response(aliases)["errors"][0]["extensions"]["code"] == "MAX_ALIASES_EXCEEDED"
