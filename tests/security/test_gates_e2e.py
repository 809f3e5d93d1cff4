"""End to end over real processes: a JWKS issuer process, a GraphQL server process guarded by
RequestGate + OperationGate (tests/security/fixtures/guarded_app.py), and the shared Redis.
Shows CSRF, 401 reasons, authorization filtering with errors, limits, rate limiting and
introspection refusal together, and a key rotation picked up live."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from servicekit.auth import JWKS_PATH, KeySet, KeyStore, TokenIssuer
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT
from tests.conftest import REDIS_URL
from tests.security.fixtures.guarded_app import ISSUER

pytestmark = pytest.mark.e2e
JSON = {"content-type": "application/json"}


def module_process(
    name: str, module: str, tmp_path: Path, *args: str
) -> tuple[ManagedProcess, str]:
    port = free_port()
    spec = ProcessSpec(
        name=name,
        argv=[sys.executable, "-m", module, "--port", str(port), *args],
        ready_url=f"http://127.0.0.1:{port}/health",
        cwd=PROJECT_ROOT,
    )
    return ManagedProcess(spec, log_path=tmp_path / f"{name}.log"), f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> KeyStore:
    store = KeyStore(tmp_path_factory.mktemp("issuer") / "keys")
    store.load_or_create()
    return store


@pytest.fixture(scope="module")
def stack(keys: KeyStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """JWKS process plus a development and a production guarded app, started once per module;
    their rate-limit keys live under a prefix of their own, deleted at the end."""
    tmp_path = tmp_path_factory.mktemp("gates")
    namespace = f"test:{uuid.uuid4().hex[:10]}"
    jwks, jwks_url = module_process(
        "jwks", "tests.security.fixtures.jwks_server", tmp_path, "--keys", str(keys.directory)
    )
    common = ["--jwks-url", f"{jwks_url}{JWKS_PATH}", "--redis-url", REDIS_URL]
    dev, dev_url = module_process(
        "dev", "tests.security.fixtures.guarded_app", tmp_path, *common, "--prefix", namespace
    )
    prod, prod_url = module_process(
        "prod",
        "tests.security.fixtures.guarded_app",
        tmp_path,
        *common,
        "--prefix",
        f"{namespace}:prod",
        "--mode",
        "production",
    )
    processes = (jwks, dev, prod)
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:  # start all three at once
            list(pool.map(lambda process: process.start(), processes))
        yield {"dev": f"{dev_url}/graphql", "prod": f"{prod_url}/graphql"}
    finally:
        for process in processes:
            process.stop()
        client = redis.Redis.from_url(REDIS_URL)
        leftovers = list(client.scan_iter(match=f"{namespace}*"))
        if leftovers:
            client.delete(*leftovers)
        client.close()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


def token(keys: KeyStore, *scopes: str) -> str:
    def current() -> KeySet:
        keyset = keys.load()
        if keyset is None:
            raise RuntimeError("no keys")
        return keyset

    return TokenIssuer(current, issuer=ISSUER, audience="router").issue("user-1", scopes)


async def post(
    http: httpx.AsyncClient, url: str, query: str, name: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], httpx.Headers]:
    response = await http.post(
        url, json={"query": query, "operationName": name}, headers={**JSON, **(headers or {})}
    )
    return response.status_code, response.json(), response.headers


async def test_security_pipeline_end_to_end(
    stack: dict[str, str], keys: KeyStore, http: httpx.AsyncClient
) -> None:
    url = stack["dev"]
    csrf = await http.post(
        url, content='{"query": "{ users { id } }"}', headers={"content-type": "text/plain"}
    )
    assert csrf.status_code == 400
    assert csrf.json()["errors"][0]["extensions"] == {"code": "CSRF_ERROR"}

    anonymous = await post(http, url, "query Users { users { id email } }", "Users")
    assert anonymous[:2] == (
        200,
        {
            "errors": [
                {
                    "message": "Unauthorized field or type",
                    "path": ["users", "@", "email"],
                    "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
                }
            ],
            "data": {"users": [{"id": "1", "email": None}, {"id": "2", "email": None}]},
            "extensions": {"cost": 5.0},
        },
    )
    assert (anonymous[2]["ratelimit-limit"], anonymous[2]["ratelimit-remaining"]) == ("100", "99")

    bearer = {"authorization": f"Bearer {token(keys, 'profile:email')}"}
    scoped = await post(http, url, "query Users { users { id email } }", "Users", bearer)
    assert scoped[:2] == (
        200,
        {
            "data": {
                "users": [
                    {"id": "1", "email": "ada@example.com"},
                    {"id": "2", "email": "bob@example.com"},
                ]
            },
            "extensions": {"cost": 5.0},
        },
    )

    forged = token(keys)[:-6] + "AAAAAA"
    status, body, headers = await post(
        http, url, "{ users { id } }", "X", {"authorization": f"Bearer {forged}"}
    )
    assert (status, body["errors"][0]["extensions"], headers["www-authenticate"]) == (
        401,
        {"code": "UNAUTHENTICATED", "reason": "INVALID_SIGNATURE"},
        'Bearer error="invalid_token"',
    )

    too_deep = await post(http, url, "query Deep { me { orders { id } } }", "Deep", bearer)
    assert too_deep[:2] == (
        400,
        {
            "errors": [
                {
                    "message": "The operation has depth 3, more than the limit 2.",
                    "extensions": {"code": "MAX_DEPTH_EXCEEDED", "measured": 3, "limit": 2},
                }
            ]
        },
    )


async def test_anonymous_rate_limit_and_production_introspection(
    stack: dict[str, str], http: httpx.AsyncClient
) -> None:
    statuses = [
        (await post(http, stack["dev"], "query Hot { users { id } }", "Hot"))[0] for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    status, body, headers = await post(http, stack["dev"], "query Hot { users { id } }", "Hot")
    assert (status, headers["retry-after"], body["errors"][0]["extensions"]["code"]) == (
        429,
        "20",
        "REQUEST_RATE_LIMITED",
    )
    assert (await post(http, stack["dev"], "query Cold { users { id } }", "Cold"))[0] == 200

    introspection = "query I { __schema { description } }"
    assert (await post(http, stack["dev"], introspection, "I"))[1]["data"] == {
        "__schema": {"description": None}
    }
    status, body, _ = await post(http, stack["prod"], introspection, "I")
    assert (status, body["errors"][0]["extensions"]) == (400, {"code": "INTROSPECTION_DISABLED"})


async def test_key_rotation_is_picked_up_by_the_running_server(
    stack: dict[str, str], keys: KeyStore, http: httpx.AsyncClient
) -> None:
    old = token(keys, "admin")
    query = "query Audit { auditLog { id } }"
    assert (await post(http, stack["dev"], query, "Audit", {"authorization": f"Bearer {old}"}))[1][
        "data"
    ] == {"auditLog": [{"id": "a1"}]}
    keys.rotate()
    await asyncio.sleep(0.6)  # past the server's minimum JWKS refresh interval (0.5 s)
    new = token(keys, "admin")
    status, body, _ = await post(
        http, stack["dev"], query, "Audit", {"authorization": f"Bearer {new}"}
    )
    assert (status, body["data"]) == (200, {"auditLog": [{"id": "a1"}]})
