"""One secured platform for the package (five subgraph processes publishing live events under a
fresh Redis channel prefix) and one router process over it (JWT via accounts' JWKS, signed
identity forwarding)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from servicekit.auth.keystore import KeyStore
from subgraphs.registry import SUBGRAPHS
from tests.http.router_process import RunningRouter
from tests.security.e2e.platform import ISSUER, SECRET, Platform, routers
from tests.subscriptions.bff_processes import running_bff
from tests.support.stack import running_stack


@pytest.fixture(scope="package")
def channel_prefix() -> str:
    return f"live-test-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="package")
def platform(tmp_path_factory: pytest.TempPathFactory, channel_prefix: str) -> Iterator[Platform]:
    workdir: Path = tmp_path_factory.mktemp("live")
    keys_dir = workdir / "keys"
    KeyStore(keys_dir).load_or_create()
    env = {
        name: {"IDENTITY_HMAC_SECRET": SECRET, "LIVE_CHANNEL_PREFIX": channel_prefix}
        for name in SUBGRAPHS
    }
    env["accounts"] |= {"ACCOUNTS_KEYS_DIR": str(keys_dir), "ACCOUNTS_TOKEN_ISSUER": ISSUER}
    with running_stack(workdir, list(SUBGRAPHS), extra_env=env) as stack:
        yield Platform(stack, keys_dir, workdir)


@pytest.fixture(scope="package")
def router(platform: Platform) -> Iterator[RunningRouter]:
    with routers(platform, 1) as (only,):
        yield only


@pytest.fixture(scope="package")
def bff_mobile(platform: Platform, router: RunningRouter) -> Iterator[str]:
    """The mobile BFF in production mode (its manifest's operations only), ``/graphql`` URL."""
    with running_bff("mobile", platform, router, "production") as url:
        yield url


@pytest.fixture(scope="package")
def bff_web(platform: Platform, router: RunningRouter) -> Iterator[str]:
    with running_bff("web", platform, router, "production") as url:
        yield url
