"""Real processes for the BFF end-to-end tests: five seeded subgraphs and OUR router.

The subgraphs come from ``tests/support/stack.py`` (fresh SQLite stores seeded by the
deterministic generator, free ports); the supergraph is composed from the committed SDLs with
those routing URLs (``router.composition``) and served by the ``router`` console script.
The seed is larger than the default so a 50-tile feed page exists.

Secured like a deployment: accounts signs tokens with a key store in the temporary folder, the
router verifies them against the accounts JWKS and forwards a signed identity the subgraphs
check (``IDENTITY_HMAC_SECRET``); tests log in through the router (:func:`login`).
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from router.composition import SubgraphInput, compose
from servicekit.auth.keystore import KeyStore
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT, load_subgraphs
from subgraphs.registry import SUBGRAPHS
from subgraphs.seeding import SeedData, SeedSizes, generate
from tests.support.stack import running_stack

__all__ = [
    "BFF_SEED_SIZES",
    "ISSUER",
    "READY_SECONDS",
    "SECRET",
    "BffStack",
    "SubgraphsDoNotCompose",
    "compose_supergraph",
    "login",
    "running_bff_stack",
]

BFF_SEED_SIZES = SeedSizes(users=12, products=60, reviews_per_product=3, orders_per_user=2)
ISSUER = "http://accounts.bff-tests"
SECRET = "bff-tests-identity-secret"
READY_SECONDS = 180.0
DEMO_PASSWORD = "demo-password"  # the seeded users' password (subgraphs/accounts)


class SubgraphsDoNotCompose(RuntimeError):
    """The committed subgraph SDLs have composition errors (not a BFF failure)."""


@dataclass(frozen=True)
class BffStack:
    router_url: str
    seed: SeedData
    folder: Path
    pgids: tuple[int, ...] = ()
    """Process groups of the router and subgraphs (benchmarks read their CPU time)."""
    jwks_url: str | None = None
    """The accounts JWKS the BFFs verify tokens against (None: the BFF settings' default)."""
    issuer: str | None = None
    subgraph_urls: dict[str, str] | None = None
    """Each subgraph's GraphQL URL (None for an external router)."""
    events_namespace: str | None = None
    """The subgraphs' event namespace: in-process BFFs consume it (None: the environment's)."""

    @property
    def keys(self) -> Path:
        """The accounts key store (tests sign their own tokens with it)."""
        return self.folder / "keys"

    def token_settings(self) -> dict[str, str]:
        """BFF settings for verifying this stack's tokens (none for an external router)."""
        if self.jwks_url is None or self.issuer is None:
            return {}
        return {"jwks_url": self.jwks_url, "token_issuer": self.issuer}

    @property
    def supergraph_path(self) -> Path:
        """The supergraph the router serves (absent for an external router)."""
        return self.folder / "supergraph.graphql"


def compose_supergraph(urls: dict[str, str], target: Path) -> Path:
    """The supergraph of the committed SDLs, routed to ``urls``; raises with the error codes."""
    entries = load_subgraphs()
    result = compose(
        [SubgraphInput(e.name, urls[e.name], e.schema_file.read_text()) for e in entries]
    )
    if not result.ok or result.supergraph_sdl is None:
        messages = "; ".join(f"{e.code}: {e.message}" for e in result.errors)
        raise SubgraphsDoNotCompose(f"the committed subgraph SDLs do not compose: {messages}")
    target.write_text(result.supergraph_sdl)
    return target


def jwks_url(accounts_url: str) -> str:
    return accounts_url.removesuffix("/graphql") + "/.well-known/jwks.json"


def router_config(accounts_url: str, folder: Path, extra: Mapping[str, Any] | None = None) -> Path:
    """JWT against the accounts JWKS, signed identity forwarding, own Redis prefixes; ``extra``
    top-level settings on top (``bench bff`` turns the router's deduplication off)."""
    prefix = f"test:bffr{uuid.uuid4().hex[:8]}"
    config: dict[str, Any] = {
        "identity_forwarding": {"secret": SECRET},
        "http": {"apq": {"key_prefix": f"{prefix}:apq:"}},
        "security": {
            "jwt": {
                "enabled": True,
                "jwks_url": jwks_url(accounts_url),
                "issuer": ISSUER,
            },
            "rate_limit": {"key_prefix": f"{prefix}:rl"},
        },
        **(extra or {}),
    }
    path = folder / "router.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def router_process(supergraph: Path, folder: Path, config: Path) -> ManagedProcess:
    port = free_port()
    router = str(Path(sys.executable).parent / "router")
    argv = [router, "--supergraph", str(supergraph), "--config", str(config), "--port", str(port),
            "--prod", "--log-level", "warning"]  # fmt: skip
    spec = ProcessSpec("router", argv, f"http://127.0.0.1:{port}/health", cwd=PROJECT_ROOT)
    return ManagedProcess(spec, log_path=folder / "router.log")


@contextmanager
def running_bff_stack(
    folder: Path,
    sizes: SeedSizes = BFF_SEED_SIZES,
    router_settings: Mapping[str, Any] | None = None,
) -> Iterator[BffStack]:
    registered = {e.name: e.routing_url for e in load_subgraphs()}
    compose_supergraph(registered, folder / "supergraph.check.graphql")  # fail before starting
    keys = folder / "keys"
    KeyStore(keys).load_or_create()
    env = {name: {"IDENTITY_HMAC_SECRET": SECRET} for name in SUBGRAPHS}
    env["accounts"] |= {"ACCOUNTS_KEYS_DIR": str(keys), "ACCOUNTS_TOKEN_ISSUER": ISSUER}
    # generous readiness deadlines: the machine is shared, and a loaded one starts slowly
    with running_stack(
        folder, sizes=sizes, extra_env=env, ready_timeout_seconds=READY_SECONDS
    ) as subgraphs:
        supergraph = compose_supergraph(subgraphs.urls, folder / "supergraph.graphql")
        config = router_config(subgraphs.urls["accounts"], folder, router_settings)
        router = router_process(supergraph, folder, config)
        with router.start(ready_timeout_seconds=READY_SECONDS):
            url = router.spec.ready_url.removesuffix("/health") + "/graphql"
            processes = [router, *subgraphs.processes.values()]
            pgids = tuple(p.pid for p in processes if p.pid is not None)
            jwks = jwks_url(subgraphs.urls["accounts"])
            seed = generate(sizes)
            yield BffStack(
                url,
                seed,
                folder,
                pgids,
                jwks,
                ISSUER,
                dict(subgraphs.urls),
                subgraphs.events_namespace,
            )


def login(router_url: str, username: str, password: str = DEMO_PASSWORD) -> str:
    """A bearer token from the accounts ``login`` mutation, through the router."""
    query = (
        "mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"
    )
    response = httpx.post(
        router_url, json={"query": query, "variables": {"u": username, "p": password}}, timeout=30
    )
    body = response.json()
    if not body.get("data") or not body["data"].get("login"):
        raise RuntimeError(f"login of {username} failed: {body}")
    return str(body["data"]["login"]["token"])
