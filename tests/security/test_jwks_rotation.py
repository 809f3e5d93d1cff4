"""End to end: a real JWKS-serving process, a verifier with a cached JWKS client, and key rotation
on disk while both keep running."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from servicekit.auth import (
    JWKS_PATH,
    AuthenticationError,
    AuthFailure,
    JwksClient,
    KeyStore,
    TokenIssuer,
    TokenVerifier,
)
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT

pytestmark = pytest.mark.e2e

ISSUER = "https://accounts.test"
AUDIENCE = "federation-router"


@pytest.fixture(scope="module")
def key_store(tmp_path_factory: pytest.TempPathFactory) -> KeyStore:
    store = KeyStore(tmp_path_factory.mktemp("issuer") / "keys")
    store.load_or_create()
    return store


@pytest.fixture(scope="module")
def jwks_base_url(key_store: KeyStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One JWKS process for the module; tests count its fetches as differences."""
    tmp_path = tmp_path_factory.mktemp("jwks")
    port = free_port()
    spec = ProcessSpec(
        name="jwks",
        argv=[
            sys.executable,
            "-m",
            "tests.security.fixtures.jwks_server",
            "--port",
            str(port),
            "--keys",
            str(key_store.directory),
        ],
        ready_url=f"http://127.0.0.1:{port}/health",
        cwd=PROJECT_ROOT,
    )
    with ManagedProcess(spec, log_path=tmp_path / "jwks.log"):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def issuer_for(store: KeyStore) -> TokenIssuer:
    def current():  # type: ignore[no-untyped-def]
        keyset = store.load()
        assert keyset is not None
        return keyset

    return TokenIssuer(current, issuer=ISSUER, audience=AUDIENCE)


async def jwks_served(http: httpx.AsyncClient, base_url: str) -> int:
    return int((await http.get(f"{base_url}/stats")).json()["jwks"])


async def test_rotation_without_restarting_the_verifier(
    key_store: KeyStore, jwks_base_url: str, http: httpx.AsyncClient
) -> None:
    jwks = JwksClient(f"{jwks_base_url}{JWKS_PATH}", http, min_refresh_interval_seconds=0.3)
    verifier = TokenVerifier(jwks, issuer=ISSUER, audience=AUDIENCE)
    issuer = issuer_for(key_store)
    served_before = await jwks_served(http, jwks_base_url)

    first_token = issuer.issue("user-1", ["profile"])
    assert (await verifier.verify(first_token)).subject == "user-1"
    assert jwks.fetch_count == 1

    key_store.rotate(max_previous=1)
    await asyncio.sleep(0.35)
    second_token = issuer.issue("user-2")
    assert (await verifier.verify(second_token)).subject == "user-2"  # unknown kid -> refresh
    assert (await verifier.verify(first_token)).subject == "user-1"  # previous key still published
    assert jwks.fetch_count == 2

    key_store.rotate(max_previous=1)  # the first key leaves the set
    await asyncio.sleep(0.35)
    third_token = issuer.issue("user-3")
    assert (await verifier.verify(third_token)).subject == "user-3"
    with pytest.raises(AuthenticationError) as caught:
        await verifier.verify(first_token)
    assert caught.value.reason == AuthFailure.UNKNOWN_KEY
    assert await jwks_served(http, jwks_base_url) - served_before == jwks.fetch_count == 3


async def test_unknown_kids_refresh_at_most_once_per_interval(
    key_store: KeyStore, jwks_base_url: str, http: httpx.AsyncClient
) -> None:
    jwks = JwksClient(f"{jwks_base_url}{JWKS_PATH}", http, min_refresh_interval_seconds=60)
    verifier = TokenVerifier(jwks, issuer=ISSUER, audience=AUDIENCE)
    served_before = await jwks_served(http, jwks_base_url)
    stranger = KeyStore(key_store.directory.parent / "stranger")
    stranger.load_or_create()
    forged = [issuer_for(stranger).issue(f"attacker-{n}") for n in range(20)]
    results = await asyncio.gather(*(verifier.verify(t) for t in forged), return_exceptions=True)
    assert {type(r) for r in results} == {AuthenticationError}
    assert {r.reason for r in results if isinstance(r, AuthenticationError)} == {
        AuthFailure.UNKNOWN_KEY
    }
    assert await jwks_served(http, jwks_base_url) - served_before == 1


async def test_jwks_unreachable_before_first_load(http: httpx.AsyncClient) -> None:
    jwks = JwksClient(f"http://127.0.0.1:{free_port()}{JWKS_PATH}", http)
    verifier = TokenVerifier(jwks, issuer=ISSUER, audience=AUDIENCE)
    token = "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0.e30.c2ln"
    for _ in range(2):  # the second try is inside the refresh interval: still unavailable
        with pytest.raises(AuthenticationError) as caught:
            await verifier.verify(token)
        assert caught.value.reason == AuthFailure.JWKS_UNAVAILABLE
    assert jwks.fetch_count == 1


async def test_keys_keep_serving_when_the_issuer_goes_down(
    key_store: KeyStore, tmp_path: Path, http: httpx.AsyncClient
) -> None:
    port = free_port()
    spec = ProcessSpec(
        name="jwks",
        argv=[
            sys.executable,
            "-m",
            "tests.security.fixtures.jwks_server",
            "--port",
            str(port),
            "--keys",
            str(key_store.directory),
        ],
        ready_url=f"http://127.0.0.1:{port}/health",
        cwd=PROJECT_ROOT,
    )
    jwks = JwksClient(
        f"http://127.0.0.1:{port}{JWKS_PATH}",
        http,
        min_refresh_interval_seconds=0.0,
        max_age_seconds=0.0,
    )
    verifier = TokenVerifier(jwks, issuer=ISSUER, audience=AUDIENCE)
    token = issuer_for(key_store).issue("user-1")
    with ManagedProcess(spec, log_path=tmp_path / "jwks.log"):
        assert (await verifier.verify(token)).subject == "user-1"
    assert (await verifier.verify(token)).subject == "user-1"  # stale keys beat no keys
    published = key_store.load()
    assert published is not None
    assert jwks.snapshot()["kids"] == sorted(key.kid for key in published.keys)
