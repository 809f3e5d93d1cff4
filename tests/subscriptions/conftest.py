"""One secured platform for the package (five subgraph processes publishing live events under a
fresh Redis channel prefix) and one router process over it (JWT via accounts' JWKS, signed
identity forwarding; client ``bff-mobile`` safelisted to its manifest, as ``make dev`` does,
with the mobile BFF sending ids)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from servicekit.auth.keystore import KeyStore
from servicekit.topology import PROJECT_ROOT
from subgraphs.registry import SUBGRAPHS
from tests.http.router_process import RunningRouter, running_router
from tests.security.e2e.platform import ISSUER, SECRET, SUPERGRAPH, Platform
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


MOBILE_TRUSTED = {
    "batching": {"enabled": True, "mode": "batch_http_link", "maximum_size": 10},
    "persisted_queries": {
        "enabled": True,
        "policy": "log_unknown",  # other clients' text runs, logged (the BFF test reads it)
        "clients": {
            "bff-mobile": {
                "policy": "safelist",
                "require_id": True,  # stricter than make dev: text from it is refused at all
                "manifests": [str(PROJECT_ROOT / "schema/persisted/bff-mobile.router.json")],
            }
        },
    },
}
"""``config/router.dev.yaml``'s trusted documents and batching (issue #18), plus ``require_id``:
the subscription's text is in the manifest, so plain ``safelist`` would take it as text too;
here only ids pass, so the mobile BFF's streams in these tests prove it sends ids."""


@pytest.fixture(scope="package")
def router(platform: Platform) -> Iterator[RunningRouter]:
    config = {**platform.router_config(), **MOBILE_TRUSTED}
    name = f"r{uuid.uuid4().hex[:6]}"
    with running_router(platform.workdir, supergraph=SUPERGRAPH, config=config, name=name) as only:
        yield only


@pytest.fixture(scope="package")
def bff_mobile(platform: Platform, router: RunningRouter) -> Iterator[str]:
    """The mobile BFF in production mode (its manifest's operations only), sending its router
    operations by id (``BFF_MOBILE_ROUTER_PERSISTED_IDS``, as in ``make dev``), ``/graphql``."""
    with running_bff(
        "mobile", platform, router, "production", {"router_persisted_ids": "true"}
    ) as url:
        yield url


@pytest.fixture(scope="package")
def bff_web(platform: Platform, router: RunningRouter) -> Iterator[str]:
    with running_bff("web", platform, router, "production") as url:
        yield url
