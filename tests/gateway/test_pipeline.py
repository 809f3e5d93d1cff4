"""The gateway's pipeline (issue #12): one syntax-tree analysis per new document and none for a
cached one; the authorization filter walks only when the caller misses a requirement the
analysis found; the cheap limits refuse before graphql-core's validation runs; the document
cache is bounded by bytes. Subgraph answers are recorded (httpx.MockTransport)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import router.gateway
import router.operations.analysis
import router.operations.documents
from router.config import RouterConfig
from router.gateway import Gateway
from router.operations import LRUCache
from router.request import GraphQLRequest
from servicekit.auth.principal import Principal
from tests.gateway.test_gateway_security import USERS, Accounts
from tests.security.supergraph_fixture import SUPERGRAPH_SDL


def _counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    calls: list[int] = []
    original: Callable[..., Any] = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def _gateway() -> tuple[Gateway, Accounts]:
    accounts = Accounts()
    return Gateway.from_sdl(SUPERGRAPH_SDL, RouterConfig(), transport=accounts.transport), accounts


async def test_one_analysis_per_new_document_and_none_for_a_cached_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    visits = _counting(monkeypatch, router.operations.analysis, "visit")
    validations = _counting(monkeypatch, router.operations.documents, "validate")
    gateway, _ = _gateway()
    query = "query Users { users { id username } }"
    first = await gateway.execute(GraphQLRequest(query=query))
    assert (len(visits), len(validations)) == (1, 1)
    second = await gateway.execute(GraphQLRequest(query=query))
    assert (len(visits), len(validations)) == (1, 1)  # cached: no walk at all
    other = await gateway.execute(GraphQLRequest(query="{ users { id } }"))
    await gateway.aclose()
    assert (len(visits), len(validations)) == (2, 2)
    users = [{"id": u["id"], "username": u["username"]} for u in USERS]
    assert first.to_dict() == second.to_dict() == {"data": {"users": users}}
    assert other.to_dict() == {"data": {"users": [{"id": u["id"]} for u in USERS]}}


async def test_the_authorization_filter_walks_only_for_a_caller_missing_a_requirement(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    filters = _counting(monkeypatch, router.gateway, "authorize_operation")
    gateway, accounts = _gateway()
    query = "{ users { id username email } }"
    allowed = Principal("7", frozenset({"profile:email"}))
    granted = await gateway.execute(GraphQLRequest(query=query, principal=allowed))
    assert len(filters) == 0
    anonymous = await gateway.execute(GraphQLRequest(query=query))
    assert len(filters) == 1
    plain = await gateway.execute(GraphQLRequest(query="{ users { id } }"))
    await gateway.aclose()
    assert len(filters) == 1  # no requirement in that document: nothing to check
    assert granted.to_dict() == {"data": {"users": USERS}}
    nulled = [{"id": u["id"], "username": u["username"], "email": None} for u in USERS]
    assert anonymous.to_dict() == {
        "errors": [
            {
                "message": "Unauthorized field or type",
                "path": ["users", "@", "email"],
                "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
            }
        ],
        "data": {"users": nulled},
    }
    assert plain.to_dict() == {"data": {"users": [{"id": u["id"]} for u in USERS]}}
    assert len(accounts.requests) == 3


@pytest.mark.parametrize(
    ("query", "error"),
    [
        (
            "{ users { " + "id " * 40 + "} }",
            {
                "message": "Validating the document's field merging takes 780 comparisons, "
                "more than the limit 400 (repeated fields or fragment spreads in one selection "
                "set).",
                "extensions": {
                    "code": "MAX_MERGE_COMPARISONS_EXCEEDED",
                    "measured": 780,
                    "limit": 400,
                },
            },
        ),
        (
            "query Q(" + " ".join(f"$v{i}: Int" for i in range(101)) + ") { users { id } }",
            {
                "message": "The operation defines 101 variables, more than the limit 100.",
                "extensions": {"code": "MAX_VARIABLES_EXCEEDED", "measured": 101, "limit": 100},
            },
        ),
        (
            "{ users { " + " ".join(f"a{i}: id" for i in range(31)) + " } }",
            {
                "message": "The operation uses 31 aliases, more than the limit 30.",
                "extensions": {"code": "MAX_ALIASES_EXCEEDED", "measured": 31, "limit": 30},
            },
        ),
        (
            "{ users { id } }" + " " * 70_000,
            {
                "message": "The document has 70016 bytes, more than the limit 65536.",
                "extensions": {
                    "code": "MAX_DOCUMENT_SIZE_EXCEEDED",
                    "measured": 70016,
                    "limit": 65536,
                },
            },
        ),
    ],
    ids=["merge comparisons", "variables", "aliases", "document size"],
)
async def test_cheap_limits_refuse_before_validation(
    monkeypatch: pytest.MonkeyPatch, query: str, error: dict[str, Any]
) -> None:
    validations = _counting(monkeypatch, router.operations.documents, "validate")
    gateway, accounts = _gateway()
    response = await gateway.execute(GraphQLRequest(query=query))
    await gateway.aclose()
    assert (response.to_dict(), response.has_data) == ({"errors": [error]}, False)
    assert (validations, accounts.requests) == ([], [])


async def test_the_document_cache_is_bounded_by_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(router.gateway, "DOCUMENT_CACHE_BYTES", 200_000)
    gateway, _ = _gateway()
    padding = " " * 60_000  # within the document size limit, weighed by the cache
    for n in range(20):
        query = f"query Q{n} {{ users {{ id }} }}{padding}"
        response = await gateway.execute(GraphQLRequest(query=query))
        assert response.to_dict() == {"data": {"users": [{"id": u["id"]} for u in USERS]}}
    documents = gateway._state.documents  # the cache under test
    await gateway.aclose()
    assert 0 < documents.bytes <= 200_000
    assert len(documents) < 20


def test_the_lru_evicts_by_bytes_and_never_keeps_an_oversized_entry() -> None:
    cache: LRUCache[str, str] = LRUCache(10, max_bytes=10, weigh=len)
    cache.put("a", "xxxx")
    cache.put("b", "yyyy")
    assert cache.get("a") == "xxxx"  # a is now the most recent
    cache.put("c", "zzzz")  # 12 bytes: b (least recent) goes
    assert (cache.get("b"), cache.get("a"), cache.get("c"), cache.bytes) == (
        None,
        "xxxx",
        "zzzz",
        8,
    )
    cache.put("huge", "x" * 11)
    assert (cache.get("huge"), len(cache), cache.bytes) == (None, 2, 8)
