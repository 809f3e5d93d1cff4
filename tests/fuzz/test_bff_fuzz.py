"""Fuzzing both BFFs over our router and the five seeded subgraphs (issue #8): bff_web and
bff_mobile in development mode (free-form documents), bff_mobile in production mode (persisted
operations only). Properties: tests/fuzz/properties.py; a BFF may disregard ``Accept`` and answer
``application/json`` (GraphQL-over-HTTP, "Accept": the spec's second option), never 406-less HTML.
"""

from __future__ import annotations

import json

import httpx
import pytest
from graphql import GraphQLSchema
from hypothesis import given
from hypothesis import strategies as st

from bff_mobile.schema import schema as mobile_schema
from bff_web.schema import schema as web_schema
from servicekit.topology import PROJECT_ROOT
from tests.fuzz.documents import Operation, broken_operations, valid_operations
from tests.fuzz.properties import CASES, GRAPHQL_RESPONSE_JSON, JSON, check_response
from tests.fuzz.requests import RawRequest, raw_requests
from tests.fuzz.stack import FuzzStack
from tests.fuzz.support import fuzz_settings, is_graphiql_page, post_operation, self_check, send

WEB: GraphQLSchema = web_schema._schema
MOBILE: GraphQLSchema = mobile_schema._schema
BFF_MAX_BODY_BYTES = 2_000_000  # the router's limit, which the BFFs now share (bff/limits.py)
ACCEPTS = st.sampled_from([None, JSON, GRAPHQL_RESPONSE_JSON])
MANIFEST = json.loads((PROJECT_ROOT / "schema" / "persisted" / "mobile.json").read_text())


def _documents(schema: GraphQLSchema) -> st.SearchStrategy[Operation]:
    return st.one_of(valid_operations(schema), broken_operations(schema))


def _queries(schema: GraphQLSchema) -> st.SearchStrategy[str]:
    return _documents(schema).map(lambda o: o.query)


def _check_document(
    client: httpx.Client, url: str, schema: GraphQLSchema, operation: Operation, accept: str | None
) -> None:
    if operation.valid:
        self_check(schema, operation)
    response = post_operation(client, url, operation, accept)
    body = check_response(response, well_formed=True)
    if operation.valid:
        codes = {e.get("extensions", {}).get("code") for e in body.get("errors", [])}
        assert "data" in body, f"a valid document got no data: {body} {operation}"
        assert "GRAPHQL_VALIDATION_FAILED" not in codes, body


@fuzz_settings(max_examples=500)
@given(operation=_documents(WEB), accept=ACCEPTS)
def test_web_documents(
    fuzz_stack: FuzzStack, client: httpx.Client, operation: Operation, accept: str | None
) -> None:
    CASES["bff_web: documents"] += 1
    _check_document(client, fuzz_stack.bff_web, WEB, operation, accept)


@fuzz_settings(max_examples=400)
@given(operation=_documents(MOBILE), accept=ACCEPTS)
def test_mobile_dev_documents(
    fuzz_stack: FuzzStack, client: httpx.Client, operation: Operation, accept: str | None
) -> None:
    CASES["bff_mobile (development): documents"] += 1
    _check_document(client, fuzz_stack.bff_mobile_dev, MOBILE, operation, accept)


@fuzz_settings(max_examples=400)
@given(operation=_documents(MOBILE), accept=ACCEPTS)
def test_mobile_production_refuses_free_form_documents(
    fuzz_stack: FuzzStack, client: httpx.Client, operation: Operation, accept: str | None
) -> None:
    CASES["bff_mobile (production): free-form refused"] += 1
    response = post_operation(client, fuzz_stack.bff_mobile_prod, operation, accept)
    body = check_response(response)
    assert response.status_code == 400, body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["PERSISTED_QUERY_NOT_IN_LIST"]


@pytest.mark.parametrize("operation", MANIFEST["operations"], ids=lambda o: o["name"])
def test_mobile_production_runs_its_manifest_by_hash(
    fuzz_stack: FuzzStack, client: httpx.Client, operation: dict[str, str]
) -> None:
    CASES["bff_mobile (production): manifest by hash"] += 1
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": operation["id"]}}
    variables = {"upc": "100000000001"} if "$upc" in operation["body"] else {}
    response = client.post(
        fuzz_stack.bff_mobile_prod, json={"extensions": extensions, "variables": variables}
    )
    body = check_response(response, well_formed=True)
    assert response.status_code == 200 and "data" in body, body


TARGETS = {
    "bff_web": (WEB, "bff_web"),
    "bff_mobile (development)": (MOBILE, "bff_mobile_dev"),
    "bff_mobile (production)": (MOBILE, "bff_mobile_prod"),
}


def _raw_test(target: str, examples: int):  # type: ignore[no-untyped-def]
    schema, attribute = TARGETS[target]

    @fuzz_settings(max_examples=examples)
    @given(request=raw_requests(_queries(schema), BFF_MAX_BODY_BYTES))
    def test(fuzz_stack: FuzzStack, client: httpx.Client, request: RawRequest) -> None:
        CASES[f"{target}: raw HTTP"] += 1
        response = send(client, getattr(fuzz_stack, attribute), request)
        if is_graphiql_page(request, response):
            return
        production = attribute == "bff_mobile_prod"
        check_response(response, well_formed=request.well_formed and not production)
        expect = request.expect_status
        if expect is not None and response.headers.get("content-type", "").startswith(JSON):
            expect = expect - {406} or None  # Accept may be disregarded for application/json
        if expect is not None and not (production and response.status_code == 400):
            assert response.status_code in expect, (
                f"{request.label}: expected {expect}, got {response.status_code} {response.text[:300]}"
            )

    return test


test_web_raw_http = _raw_test("bff_web", 800)
test_mobile_dev_raw_http = _raw_test("bff_mobile (development)", 600)
test_mobile_production_raw_http = _raw_test("bff_mobile (production)", 600)
