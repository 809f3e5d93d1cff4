"""Fuzzing the router over the five real seeded subgraphs (issue #8): generated valid and broken
documents with variables, and raw HTTP requests. Properties: tests/fuzz/properties.py."""

from __future__ import annotations

import httpx
from graphql import parse
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.documents import Operation, broken_operations, valid_operations
from tests.fuzz.properties import CASES, GRAPHQL_RESPONSE_JSON, JSON, check_response, check_shape
from tests.fuzz.requests import RawRequest, raw_requests
from tests.fuzz.stack import FuzzStack
from tests.fuzz.support import (
    api_schema,
    fuzz_settings,
    is_graphiql_page,
    post_operation,
    self_check,
    send,
)

SCHEMA = api_schema()
ACCEPTS = st.sampled_from([None, JSON, GRAPHQL_RESPONSE_JSON])
ROUTER_MAX_BODY_BYTES = 2_000_000
REFUSED_BEFORE_EXECUTION = {
    "GRAPHQL_VALIDATION_FAILED",
    "GRAPHQL_PARSE_FAILED",
    "BAD_USER_INPUT",
    "SUBSCRIPTION_NOT_SUPPORTED",  # README: no subscriptions yet, refused with a clear error
}
"""The only codes of a document or variables refused before execution (no ``data``)."""
LIMIT_REFUSALS = {
    "MAX_DEPTH_EXCEEDED",
    "MAX_ALIASES_EXCEEDED",
    "MAX_ROOT_FIELDS_EXCEEDED",
    "COST_ESTIMATED_TOO_EXPENSIVE",
}
"""The operation limits' codes (README "Safe defaults"; broken documents include deep and
many-aliased ones)."""


def _codes(body: dict[str, object]) -> list[object]:
    errors = body.get("errors", [])
    assert isinstance(errors, list)
    return [error.get("extensions", {}).get("code") for error in errors]


@fuzz_settings(max_examples=600)
@given(operation=valid_operations(SCHEMA), accept=ACCEPTS)
def test_valid_documents(
    fuzz_stack: FuzzStack, client: httpx.Client, operation: Operation, accept: str | None
) -> None:
    self_check(SCHEMA, operation)
    CASES["router: valid documents"] += 1
    response = post_operation(client, fuzz_stack.router, operation, accept)
    body = check_response(response, well_formed=True)
    assert "data" in body or not set(_codes(body)) & REFUSED_BEFORE_EXECUTION, (
        f"a valid document was refused: {body} {operation}"
    )
    check_shape(parse(operation.query), operation.variables, body.get("data"))


@fuzz_settings(max_examples=900)
@given(operation=broken_operations(SCHEMA), accept=ACCEPTS)
def test_broken_documents(
    fuzz_stack: FuzzStack, client: httpx.Client, operation: Operation, accept: str | None
) -> None:
    CASES["router: broken documents"] += 1
    response = post_operation(client, fuzz_stack.router, operation, accept)
    body = check_response(response, well_formed=True)
    if "data" not in body:  # refused before execution: only for what is wrong with the request
        codes = _codes(body)
        assert codes and set(codes) <= REFUSED_BEFORE_EXECUTION | LIMIT_REFUSALS, (
            f"refused with an unexpected code: {body} {operation}"
        )


QUERIES = st.one_of(
    valid_operations(SCHEMA).map(lambda o: o.query),
    broken_operations(SCHEMA).map(lambda o: o.query),
    st.just("mutation { placeOrder(input: {idempotencyKey: 1, items: []}) { id } }"),
)


@fuzz_settings(max_examples=1300)
@given(request=raw_requests(QUERIES, ROUTER_MAX_BODY_BYTES))
def test_raw_http(fuzz_stack: FuzzStack, client: httpx.Client, request: RawRequest) -> None:
    CASES["router: raw HTTP"] += 1
    response = send(client, fuzz_stack.router, request)
    if is_graphiql_page(request, response):
        return
    # the fuzz router batches (as config/router.dev.yaml): a JSON array body is a batch
    batch = request.method == "POST" and (request.content or b"").lstrip().startswith(b"[")
    check_response(response, well_formed=request.well_formed, batch=batch)
    if request.expect_status is not None:
        assert response.status_code in request.expect_status, (
            f"{request.label}: expected {request.expect_status}, got {response.status_code} {response.text[:300]}"
        )
