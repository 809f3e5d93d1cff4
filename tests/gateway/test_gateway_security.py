"""The gateway runs ``OperationGate`` before planning: limits refuse before any subgraph call,
the authorization filter plans without unauthorized fields and nulls them with
``UNAUTHORIZED_FIELD_OR_TYPE`` while siblings resolve, introspection follows the mode, and the
caller's verified identity reaches subgraphs as signed headers. Subgraph answers are recorded
(httpx.MockTransport); the end-to-end versions run in tests/security/e2e."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from router.config import IdentityForwardingConfig, RouterConfig, SecurityConfig
from router.gateway import Gateway
from router.limits.settings import LimitsSettings
from router.request import GraphQLRequest
from servicekit.auth.forwarded import verify_identity
from servicekit.auth.principal import Principal
from tests.security.supergraph_fixture import SUPERGRAPH_SDL

USERS = [
    {"id": "1", "username": "ada", "email": "a@x"},
    {"id": "2", "username": "bob", "email": "b@x"},
]
UNAUTHORIZED = {
    "message": "Unauthorized field or type",
    "path": ["users", "@", "email"],
    "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
}


class Accounts:
    """Answers ``users`` with the fields the query selects; records each request."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], str]] = []
        self.bodies: list[bytes] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        query = orjson.loads(request.content)["query"]
        self.requests.append((dict(request.headers), query))
        self.bodies.append(request.content)
        fields = [name for name in ("id", "username", "email") if f" {name}\n" in query]
        users = [{name: user[name] for name in fields} for user in USERS]
        return httpx.Response(200, content=orjson.dumps({"data": {"users": users}}))


def _gateway(config: RouterConfig | None = None) -> tuple[Gateway, Accounts]:
    accounts = Accounts()
    gateway = Gateway.from_sdl(
        SUPERGRAPH_SDL, config or RouterConfig(), transport=accounts.transport
    )
    return gateway, accounts


async def test_unauthorized_field_is_null_with_error_and_never_fetched() -> None:
    gateway, accounts = _gateway()
    response = await gateway.execute(GraphQLRequest(query="{ users { id username email } }"))
    await gateway.aclose()
    users = [{"id": u["id"], "username": u["username"], "email": None} for u in USERS]
    assert response.to_dict() == {"errors": [UNAUTHORIZED], "data": {"users": users}}
    assert [query for _, query in accounts.requests] == [
        "query {\n  users {\n    id\n    username\n  }\n}"
    ]


async def test_the_scope_makes_the_field_visible() -> None:
    gateway, accounts = _gateway()
    principal = Principal("7", frozenset({"profile:email"}))
    request = GraphQLRequest(query="{ users { id username email } }", principal=principal)
    response = await gateway.execute(request)
    await gateway.aclose()
    assert response.to_dict() == {"data": {"users": USERS}}
    assert len(accounts.requests) == 1


async def test_limits_refuse_before_any_subgraph_call() -> None:
    limits = LimitsSettings(max_depth=2, max_aliases=1, max_root_fields=2)
    gateway, accounts = _gateway(RouterConfig(security=SecurityConfig(limits=limits)))
    cases = {
        "{ users { id } }": None,  # depth 2, 0 aliases, 1 root field: just under every limit
        "{ identities { id } users { id } }": None,
        "{ a: users { id } }": None,
        "{ users { id } identities { id } topProducts { id } }": "MAX_ROOT_FIELDS_EXCEEDED",
        "{ a: users { id } b: users { id } }": "MAX_ALIASES_EXCEEDED",
        "{ me { orders { id } } }": "MAX_DEPTH_EXCEEDED",
    }
    seen: dict[str, Any] = {}
    for query in cases:
        before = len(accounts.requests)
        response = await gateway.execute(GraphQLRequest(query=query))
        codes = [e["extensions"]["code"] for e in response.errors]
        refused = not response.has_data
        seen[query] = (codes[0] if refused else None, len(accounts.requests) > before)
    await gateway.aclose()
    # (code, whether a subgraph was called): a refusal never reaches a subgraph
    assert seen == {query: (code, code is None) for query, code in cases.items()}


async def test_introspection_is_off_in_production_and_on_in_development() -> None:
    query = "{ __schema { queryType { name } } }"
    for mode, expected in (("production", False), ("development", True)):
        gateway, _ = _gateway(RouterConfig(mode=mode))
        response = await gateway.execute(GraphQLRequest(query=query))
        await gateway.aclose()
        if expected:
            assert response.to_dict() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
        else:
            # no data and no status insisted on: 400 or 200 by media type (render.status_for)
            assert (response.has_data, response.status_hint) == (False, None)
            assert [e["extensions"]["code"] for e in response.errors] == ["INTROSPECTION_DISABLED"]


async def test_signed_identity_reaches_subgraphs_and_forged_headers_do_not() -> None:
    config = RouterConfig(identity_forwarding=IdentityForwardingConfig(secret="s3cret"))
    config.all_subgraphs.headers.append(
        config.all_subgraphs.headers[0].model_copy(update={"propagate": "x-user-id"})
    )
    gateway, accounts = _gateway(config)
    principal = Principal("7", frozenset({"profile:email", "a"}))
    await gateway.execute(GraphQLRequest(query="{ users { id } }", principal=principal))
    forged = {"x-user-id": "1"}
    await gateway.execute(GraphQLRequest(query="{ users { id } }", headers=forged))
    await gateway.aclose()
    signed, anonymous = (headers for headers, _ in accounts.requests)
    identity = verify_identity(signed, "s3cret", body=accounts.bodies[0])
    assert identity is not None
    assert (identity.user_id, identity.scopes) == ("7", frozenset({"profile:email", "a"}))
    assert verify_identity(signed, "other", body=accounts.bodies[0]) is None
    assert "x-user-id" not in anonymous and "x-identity-signature" not in anonymous
