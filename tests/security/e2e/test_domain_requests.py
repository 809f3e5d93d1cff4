"""Requests the domain refuses cleanly, over real processes (router, five subgraphs): a token
whose subject holds CR/LF is a 401 with its reason (it was a 500), a forwarded identity captured
from one request does not work on another, and oversized inputs are ``BAD_USER_INPUT`` naming
their limit (issue #11)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from servicekit.auth.forwarded import sign_identity
from tests.http.router_process import RunningRouter
from tests.security.e2e.platform import SECRET, Platform, routers

pytestmark = pytest.mark.e2e

ME = "{ me { id } }"


@pytest.fixture(scope="module")
def router(platform: Platform) -> Iterator[RunningRouter]:
    with routers(platform, 1) as (only,):
        yield only


def post(url: str, query: str, variables: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.post(
        url, json={"query": query, "variables": variables}, headers=headers, timeout=30
    )


def test_a_subject_with_cr_lf_is_a_401_with_its_reason(
    platform: Platform, router: RunningRouter
) -> None:
    for subject in ("3\r\nx-user-id: 1", "3\n", "a b"):
        token = platform.crafted({"sub": subject})
        response = post(router.graphql_url, ME, {}, authorization=f"Bearer {token}")
        assert (response.status_code, response.json()) == (
            401,
            {
                "errors": [
                    {
                        "message": "'sub' must be 1 to 255 visible ASCII characters "
                        "(no spaces or control characters)",
                        "extensions": {"code": "UNAUTHENTICATED", "reason": "INVALID_CLAIM"},
                    }
                ]
            },
        )


def test_a_captured_identity_signature_does_not_replay_on_another_request(
    platform: Platform,
) -> None:
    """What the router sends with one request (signed for its body) is anonymous on another."""
    accounts = platform.stack.urls["accounts"]
    seen = json.dumps({"query": "{ me { id } }", "variables": {}}).encode()
    captured = sign_identity(SECRET, "3", ["read:orders"], body=seen)
    replayed = json.dumps({"query": "{ me { id email } }", "variables": {}}).encode()

    def send(body: bytes) -> Any:
        headers = {"content-type": "application/json", **captured}
        return httpx.post(accounts, content=body, headers=headers, timeout=30).json()

    assert send(seen) == {"data": {"me": {"id": "3"}}}
    assert send(replayed) == {"data": {"me": None}}


def test_oversized_inputs_are_bad_user_input(platform: Platform, router: RunningRouter) -> None:
    token = platform.token("2")
    place = "mutation P($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }"
    long_key = {"idempotencyKey": "k" * 100_000, "items": [{"upc": "x", "quantity": 1}]}
    login = 'mutation L($u: String!) { login(username: $u, password: "whatever-1") { token } }'
    by_id = "query U($ids: [ID!]!) { usersById(ids: $ids) { id } }"
    many_items = {
        "idempotencyKey": f"k-{uuid.uuid4()}",
        "items": [{"upc": "x", "quantity": 1}] * 101,
    }
    cases = {
        "idempotencyKey": (place, {"input": long_key}, 128, "characters"),
        "username": (login, {"u": "u" * 5000}, 64, "characters"),
        "ids": (by_id, {"ids": ["1"] * 20_000}, 100, "items"),
        "items": (place, {"input": many_items}, 100, "items"),
    }
    for argument, (query, variables, limit, unit) in cases.items():
        response = post(router.graphql_url, query, variables, authorization=f"Bearer {token}")
        body = response.json()
        assert response.status_code == 200, body
        assert body["data"] is None
        assert body["errors"][0]["message"] == f"{argument} is limited to {limit} {unit}"
        assert body["errors"][0]["extensions"] | {"service": None} == {
            "code": "BAD_USER_INPUT",
            "argument": argument,
            "maximum": limit,
            "service": None,
        }
