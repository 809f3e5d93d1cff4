"""One seeded platform for the issue #18 "Requests" tests: the accounts (JWKS, tokens), products
(uploads, images in a temp folder) and reviews (``_entities`` of many products) subgraphs as real
processes sharing the router's identity secret; routers are started per test with
:func:`tests.http.router_process.running_router`."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from servicekit.auth.issuer import IssuerSettings, TokenService
from servicekit.auth.keystore import KeyStore
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT
from tests.support.stack import RunningStack, running_stack

ISSUER = "http://accounts.requests.test"
AUDIENCE = "federation-router"
SECRET = "requests-e2e-identity-secret"
SUBGRAPHS = ("accounts", "products", "reviews")
SUPERGRAPH = PROJECT_ROOT / "schema" / "supergraph.graphql"


@dataclass
class Platform:
    stack: RunningStack
    keys_dir: Path
    images_dir: Path
    workdir: Path

    @property
    def jwks_url(self) -> str:
        return self.stack.base_url("accounts") + "/.well-known/jwks.json"

    def token(
        self, subject: str, scopes: tuple[str, ...], extra: dict[str, Any] | None = None
    ) -> str:
        """A token of accounts' key store; ``extra`` claims (e.g. ``tenant``) added."""
        tokens = TokenService.from_settings(
            IssuerSettings(keys_dir=self.keys_dir, issuer=ISSUER, audience=AUDIENCE)
        )
        return tokens.issuer.issue(subject, scopes, extra)

    def router_config(self, **sections: Any) -> dict[str, Any]:
        """Subgraph URLs of this platform, JWT against its JWKS, signed identity forwarding,
        fresh Redis prefixes; ``sections`` are merged over that."""
        prefix = f"req:{uuid.uuid4().hex[:8]}"
        config: dict[str, Any] = {
            "subgraphs": {name: {"url": self.stack.urls[name]} for name in SUBGRAPHS},
            "identity_forwarding": {"secret": SECRET},
            "http": {"apq": {"key_prefix": f"{prefix}:apq:"}},
            "security": {
                "jwt": {
                    "enabled": True,
                    "jwks_url": self.jwks_url,
                    "issuer": ISSUER,
                    "jwks_min_refresh_interval_seconds": 0,
                },
                "rate_limit": {"key_prefix": f"{prefix}:rl"},
            },
        }
        for name, value in sections.items():
            if isinstance(value, dict) and isinstance(config.get(name), dict):
                config[name] = {**config[name], **value}
            else:
                config[name] = value
        return config


@pytest.fixture(scope="package")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    workdir = tmp_path_factory.mktemp("requests")
    keys_dir = workdir / "keys"
    images_dir = workdir / "images"
    KeyStore(keys_dir).load_or_create()
    env = {name: {"IDENTITY_HMAC_SECRET": SECRET} for name in SUBGRAPHS}
    env["accounts"] |= {"ACCOUNTS_KEYS_DIR": str(keys_dir), "ACCOUNTS_TOKEN_ISSUER": ISSUER}
    env["products"] |= {"PRODUCTS_IMAGES_DIR": str(images_dir)}
    with running_stack(workdir, list(SUBGRAPHS), extra_env=env) as stack:
        yield Platform(stack, keys_dir, images_dir, workdir)


@contextmanager
def helper_process(workdir: Path, kind: str, *args: str) -> Iterator[tuple[str, Path]]:
    """:mod:`tests.http.requests_e2e.edge_helpers` as a process: its base URL and its log."""
    port = free_port()
    log = workdir / f"{kind}-{uuid.uuid4().hex[:6]}.jsonl"
    log.touch()
    argv = [sys.executable, "-m", "tests.http.requests_e2e.edge_helpers", kind]
    argv += ["--port", str(port), "--log", str(log), *args]
    spec = ProcessSpec(
        name=kind, argv=argv, ready_url=f"http://127.0.0.1:{port}/health", cwd=PROJECT_ROOT
    )
    process = ManagedProcess(spec, log_path=log.with_suffix(".log"))
    process.start(ready_timeout_seconds=60.0)
    try:
        yield f"http://127.0.0.1:{port}", log
    finally:
        process.stop()
