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


BFF_CASES = [
    # (label, method, content-type, body or GET params, expected status, code, Allow)
    ("PUT", "PUT", "application/json", b"{}", 405, "METHOD_NOT_ALLOWED", "GET, POST"),
    ("text/plain body", "POST", "text/plain", b"{}", 415, "INVALID_CONTENT_TYPE_HEADER", None),
    ("application/jsonx body", "POST", "application/jsonx", b'{"query": "{ __typename }"}', 415, "INVALID_CONTENT_TYPE_HEADER", None),
    ("GET mutation", "GET", None, {"query": "mutation { __typename }"}, 405, "METHOD_NOT_ALLOWED", "POST"),
    ("persistedQuery not an object", "POST", "application/json", b'{"extensions": {"persistedQuery": "x"}}', 400, "BAD_REQUEST", None),
    ("query not a string", "POST", "application/json", b'{"query": 1}', 400, "BAD_REQUEST", None),
    ("variables not an object", "POST", "application/json", b'{"query": "{ __typename }", "variables": [1]}', 400, "BAD_REQUEST", None),
    ("empty query", "POST", "application/json", b'{"query": ""}', 200, "GRAPHQL_PARSE_FAILED", None),
    ("unknown operationName", "POST", "application/json", b'{"query": "{ __typename }", "operationName": "X"}', 200, "OPERATION_RESOLUTION_FAILURE", None),
    ("upper-case media type", "POST", "Application/JSON", b'{"query": "{ a: __typename }", "operationName": "X"}', 200, "OPERATION_RESOLUTION_FAILURE", None),
]  # fmt: skip


@pytest.mark.parametrize("target", ["bff_web", "bff_mobile_dev"])
@pytest.mark.parametrize(
    ("label", "method", "content_type", "body", "status", "code", "allow"),
    BFF_CASES,
    ids=[case[0] for case in BFF_CASES],
)
def test_bff_request_errors_are_graphql_errors_in_json(
    fuzz_stack: FuzzStack,
    client: httpx.Client,
    target: str,
    label: str,
    method: str,
    content_type: str | None,
    body: bytes | dict[str, str],
    status: int,
    code: str,
    allow: str | None,
) -> None:
    """Found by test_bff_fuzz: Strawberry answered these as text/plain (or FastAPI's
    ``{"detail"}``; ``persistedQuery: "x"`` was a 500); now each is a GraphQL error in JSON with
    the GraphQL-over-HTTP status (bff/http_errors.py, bff/persisted_http.py)."""
    url = getattr(fuzz_stack, target)
    headers = {"content-type": content_type} if content_type else {}
    if isinstance(body, dict):
        response = client.request(method, url, params=body, headers=headers)
    else:
        response = client.request(method, url, content=body, headers=headers)
    answer = check_response(response)
    assert response.status_code == status, (label, response.text)
    assert [e["extensions"]["code"] for e in answer["errors"]] == [code]
    assert response.headers.get("allow") == allow


def test_bff_mobile_production_refuses_a_malformed_persisted_query(
    fuzz_stack: FuzzStack, client: httpx.Client
) -> None:
    """Found by test_mobile_production_raw_http: ``persistedQuery: "x"`` was a 500."""
    response = client.post(fuzz_stack.bff_mobile_prod, json={"extensions": {"persistedQuery": "x"}})
    assert (response.status_code, check_response(response)) == (
        400,
        {
            "errors": [
                {
                    "message": "persistedQuery must be an object",
                    "extensions": {"code": "BAD_REQUEST"},
                }
            ]
        },
    )
