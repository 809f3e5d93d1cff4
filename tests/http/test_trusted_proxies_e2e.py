"""Issue #11, "trusted proxies": the per-IP rate limit of a real router process (real Redis) is
keyed by the TCP peer unless the peer is a configured proxy; a client-sent ``X-Forwarded-For``
buys no fresh budget. Behind configured proxies, the address they forward (``X-Forwarded-For`` or
RFC 7239 ``Forwarded``, whichever is configured) is the key, and a client cannot escape it by
prepending addresses of its own.

On the code before the fix uvicorn believed ``X-Forwarded-For`` from 127.0.0.1, so every spoofed
address got its own bucket (the first test got 200 where 429 is expected), and the
``client_address`` section did not exist (the router refused the others' configs)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis

from tests.conftest import REDIS_URL
from tests.http.edge_processes import FlakySubgraph, flaky_subgraph, whole
from tests.http.router_process import RunningRouter, running_router

QUERY = {"query": "{ ok }"}
OK_BODY = '{"data":{"ok":"fine"}}'
RATE = {"requests": 2, "per_seconds": 3600}


@pytest.fixture(scope="module")
def subgraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlakySubgraph]:
    with flaky_subgraph(tmp_path_factory.mktemp("proxies")) as running:
        yield running


@pytest.fixture
def redis_keys(redis_namespace: str) -> Iterator[Any]:
    client = Redis.from_url(REDIS_URL)

    def keys() -> set[str]:
        prefix = f"{redis_namespace}:rl:"
        return {key.decode()[len(prefix) :] for key in client.scan_iter(f"{prefix}*")}

    yield keys
    for key in client.scan_iter(f"{redis_namespace}*"):
        client.delete(key)
    client.close()


def _config(namespace: str, **extra: Any) -> dict[str, Any]:
    return {
        "http": {"redis_url": REDIS_URL, "apq": {"key_prefix": f"{namespace}:apq:"}},
        "security": {"rate_limit": {"anonymous": RATE, "key_prefix": f"{namespace}:rl"}},
        **extra,
    }


def _post(router: RunningRouter, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(router.graphql_url, json=QUERY, headers=headers, timeout=30)


def _allowed(remaining: int) -> tuple[int, dict[str, str], str]:
    return (
        200,
        {
            "server": "uvicorn",
            "vary": "Origin",
            "ratelimit-limit": "2",
            "ratelimit-remaining": str(remaining),
            "content-length": str(len(OK_BODY)),
            "content-type": "application/graphql-response+json; charset=utf-8",
        },
        OK_BODY,
    )


def _assert_limited(response: httpx.Response) -> None:
    """The whole 429; ``Retry-After`` is the wait for one token of 1800 s, less the seconds the
    test took so far (read from the header, bounded, and the same in the body)."""
    retry_after = int(response.headers.get("retry-after", "0"))
    assert 1700 <= retry_after <= 1800
    body = (
        '{"errors":[{"message":"Your request has been rate limited","extensions":'
        f'{{"code":"REQUEST_RATE_LIMITED","retryAfterSeconds":{retry_after}}}}}]}}'
    )
    assert whole(response) == (
        429,
        {
            "server": "uvicorn",
            "vary": "Origin",
            "ratelimit-limit": "2",
            "ratelimit-remaining": "0",
            "retry-after": str(retry_after),
            "content-length": str(len(body)),
            "content-type": "application/graphql-response+json; charset=utf-8",
        },
        body,
    )


def test_spoofed_forwarding_headers_buy_no_budget(
    subgraph: FlakySubgraph, tmp_path: Path, redis_namespace: str, redis_keys: Any
) -> None:
    with running_router(
        tmp_path, supergraph=subgraph.supergraph_url, config=_config(redis_namespace)
    ) as router:
        first = _post(router, {"x-forwarded-for": "198.51.100.1"})
        second = _post(router, {"forwarded": "for=198.51.100.2"})
        spoofed = _post(router, {"x-forwarded-for": f"203.0.113.{uuid.uuid4().int % 250 + 1}"})
    # one budget for the one peer: the spoofed third request is refused (was 200 before)
    assert [first.status_code, second.status_code, spoofed.status_code] == [200, 200, 429]
    assert whole(first) == _allowed(1)
    assert whole(second) == _allowed(0)
    _assert_limited(spoofed)
    assert redis_keys() == {"ip:127.0.0.1"}


def test_behind_a_trusted_proxy_the_forwarded_client_is_the_key(
    subgraph: FlakySubgraph, tmp_path: Path, redis_namespace: str, redis_keys: Any
) -> None:
    proxies = {"trusted_proxies": ["127.0.0.1/32", "10.0.0.0/8"], "header": "x-forwarded-for"}
    config = _config(redis_namespace, client_address=proxies)
    with running_router(tmp_path, supergraph=subgraph.supergraph_url, config=config) as router:
        a1 = _post(router, {"x-forwarded-for": "203.0.113.7"})
        # the client's own (spoofed) entry comes first; an inner trusted proxy (10.1.2.3) last
        a2 = _post(router, {"x-forwarded-for": "192.0.2.99, 203.0.113.7, 10.1.2.3"})
        a3 = _post(router, {"x-forwarded-for": "192.0.2.100, 203.0.113.7"})
        # the proxies set X-Forwarded-For: a client's Forwarded header is not read
        a4 = _post(router, {"x-forwarded-for": "203.0.113.7", "forwarded": "for=192.0.2.1"})
        b1 = _post(router, {"x-forwarded-for": "2001:db8::20"})
    assert [whole(a1), whole(a2)] == [_allowed(1), _allowed(0)]
    _assert_limited(a3)
    _assert_limited(a4)
    assert whole(b1) == _allowed(1)
    assert redis_keys() == {"ip:203.0.113.7", "ip:2001:db8::20"}


def test_rfc7239_forwarded_header_from_a_trusted_proxy(
    subgraph: FlakySubgraph, tmp_path: Path, redis_namespace: str, redis_keys: Any
) -> None:
    proxies = {"trusted_proxies": ["127.0.0.1"], "header": "forwarded"}
    config = _config(redis_namespace, client_address=proxies)
    with running_router(tmp_path, supergraph=subgraph.supergraph_url, config=config) as router:
        a1 = _post(router, {"forwarded": "for=192.0.2.60;proto=http;by=203.0.113.43"})
        a2 = _post(router, {"forwarded": 'for=192.0.2.9, For="192.0.2.60";proto=https'})
        a3 = _post(router, {"forwarded": "for=192.0.2.60", "x-forwarded-for": "198.51.100.3"})
        b1 = _post(router, {"forwarded": 'for="[2001:db8:cafe::17]:4711"'})
        # unknown/obfuscated node: the proxy that reported it is the last hop known
        c1 = _post(router, {"forwarded": "for=unknown"})
        c2 = _post(router, {"forwarded": "for=_hidden;proto=https"})
        # a header that does not parse is not believed at all
        c3 = _post(router, {"forwarded": "for=192.0.2.77;;garbage"})
    assert [whole(a1), whole(a2)] == [_allowed(1), _allowed(0)]
    _assert_limited(a3)
    assert [whole(b1), whole(c1), whole(c2)] == [_allowed(1), _allowed(1), _allowed(0)]
    _assert_limited(c3)
    assert redis_keys() == {"ip:192.0.2.60", "ip:2001:db8:cafe::17", "ip:127.0.0.1"}
