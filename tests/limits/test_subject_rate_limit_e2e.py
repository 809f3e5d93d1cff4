"""Issue #11: authenticated callers had no rate limit (600 requests in 5 s, all 200). ``make dev``
now ships a budget per verified subject; over real processes (a JWKS issuer, the ``router``, the
shared Redis under a fresh prefix) a subject meets its own budget (429 with ``Retry-After``)
whatever its address, while another subject and anonymous callers keep theirs. The budget is
scaled down (20 per minute) so that a loaded machine outruns the refill."""

from __future__ import annotations

import secrets
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from router.config import load_config
from router.limits.settings import RateLimitRule
from servicekit.auth import JWKS_PATH, KeySet, KeyStore, TokenIssuer
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT
from tests.conftest import REDIS_URL
from tests.http.router_process import START_TIMEOUT_SECONDS, running_router
from tests.security.fixtures.guarded_app import ISSUER

pytestmark = pytest.mark.e2e

DEV = PROJECT_ROOT / "config" / "router.dev.yaml"
PROBE = {"query": "{ __typename }"}
TYPENAME = {"data": {"__typename": "Query"}}


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> KeyStore:
    store = KeyStore(tmp_path_factory.mktemp("issuer") / "keys")
    store.load_or_create()
    return store


def _token(keys: KeyStore, subject: str) -> str:
    def current() -> KeySet:
        keyset = keys.load()
        if keyset is None:
            raise RuntimeError("no keys")
        return keyset

    return TokenIssuer(current, issuer=ISSUER, audience="router").issue(subject, ())


@pytest.fixture(scope="module")
def router_url(keys: KeyStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir: Path = tmp_path_factory.mktemp("subject-rate")
    port = free_port()
    jwks = ManagedProcess(
        ProcessSpec(
            "jwks",
            [
                sys.executable,
                "-m",
                "tests.security.fixtures.jwks_server",
                "--port",
                str(port),
                "--keys",
                str(keys.directory),
            ],
            f"http://127.0.0.1:{port}/health",
            cwd=PROJECT_ROOT,
        ),
        log_path=workdir / "jwks.log",
    )
    prefix = f"test:{uuid.uuid4().hex[:10]}"
    rules = {
        "anonymous": {"requests": 1000, "per_seconds": 60},
        "authenticated": {"requests": 20, "per_seconds": 60},
    }
    config = {
        "mode": "production",
        "http": {"redis_url": REDIS_URL},
        # production refuses to start without the secret it signs forwarded identities with
        "identity_forwarding": {"secret": secrets.token_hex(32)},
        "security": {
            "jwt": {
                "enabled": True,
                "jwks_url": f"http://127.0.0.1:{port}{JWKS_PATH}",
                "issuer": ISSUER,
                "audience": "router",
            },
            "rate_limit": {**rules, "key_prefix": prefix},
        },
    }
    jwks.start(ready_timeout_seconds=START_TIMEOUT_SECONDS)
    try:
        with running_router(
            workdir,
            supergraph=PROJECT_ROOT / "schema" / "supergraph.graphql",
            config=config,
            mode_flag="--prod",
        ) as router:
            yield router.graphql_url
    finally:
        jwks.stop()
        client = redis.Redis.from_url(REDIS_URL)
        leftovers = list(client.scan_iter(match=f"{prefix}*"))
        if leftovers:
            client.delete(*leftovers)
        client.close()


def test_make_dev_ships_a_budget_per_subject() -> None:
    rate_limit = load_config(DEV).security.rate_limit
    assert (rate_limit.anonymous, rate_limit.authenticated) == (
        RateLimitRule(requests=300, per_seconds=10),
        RateLimitRule(requests=300, per_seconds=10),
    )


async def test_a_verified_subject_meets_its_own_budget(router_url: str, keys: KeyStore) -> None:
    alice = {"authorization": f"Bearer {_token(keys, 'alice')}"}
    async with httpx.AsyncClient(timeout=30) as http:
        answers = [await http.post(router_url, json=PROBE, headers=alice) for _ in range(22)]
        bob = await http.post(
            router_url, json=PROBE, headers={"authorization": f"Bearer {_token(keys, 'bob')}"}
        )
        anonymous = await http.post(router_url, json=PROBE)
    assert [a.status_code for a in answers] == [200] * 20 + [429] * 2
    assert answers[0].json() == TYPENAME
    denied = answers[-1]
    assert denied.json() == {
        "errors": [
            {
                "message": "Your request has been rate limited",
                "extensions": {
                    "code": "REQUEST_RATE_LIMITED",
                    "retryAfterSeconds": int(denied.headers["retry-after"]),
                },
            }
        ]
    }
    assert 1 <= int(denied.headers["retry-after"]) <= 3  # one token refills in 3 s
    assert (bob.status_code, bob.json()) == (200, TYPENAME)  # a budget per subject
    assert (anonymous.status_code, anonymous.json()) == (200, TYPENAME)  # the IP's own
