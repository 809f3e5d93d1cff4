"""The accounts subgraph process: settings (``ACCOUNTS_*``), store, token service and ASGI app.

Besides ``/graphql`` it serves the issuer's JWKS at ``/.well-known/jwks.json`` (the router and
the BFFs verify tokens against it); signing keys live under ``ACCOUNTS_KEYS_DIR`` (created on
first use, rotated with ``python -m servicekit.auth.issuer rotate --keys DIR`` without a restart).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi import FastAPI
from pydantic import Field, IPvAnyNetwork
from pydantic_settings import SettingsConfigDict

from servicekit.auth.issuer import IssuerSettings, TokenService
from servicekit.auth.passwords import PasswordHashing
from servicekit.client_address import ClientAddressSettings
from servicekit.redis import create_redis
from subgraphs.accounts.models import TABLES
from subgraphs.accounts.schema import Context, schema
from subgraphs.accounts.throttle import LoginThrottle, ThrottleLimits
from subgraphs.common.app import create_subgraph_app
from subgraphs.common.db import Database
from subgraphs.common.settings import DATA_DIR, SubgraphSettings
from subgraphs.common.strawberry_app import strawberry_mount

__all__ = ["NAME", "Settings", "create_app", "create_database", "token_service"]

NAME = "accounts"


class Settings(SubgraphSettings):
    model_config = SettingsConfigDict(env_prefix="ACCOUNTS_", extra="ignore")

    keys_dir: Path = DATA_DIR / "keys"
    token_issuer: str = "http://127.0.0.1:4001"
    token_audience: str = "federation-router"
    token_ttl_seconds: int = 900
    login_throttle: bool = True
    """Count failed logins in Redis at ``ACCOUNTS_REDIS_URL`` (shared by every accounts process)."""
    login_throttle_prefix: str = ""
    """Redis key prefix; default ``accounts:login:<hash of the store URL>``: the replicas of one
    deployment (one store) share counts, two stacks on one Redis (tests, demos) do not."""
    login_max_failures_per_username: int = Field(default=5, gt=0)
    login_max_failures_per_client: int = Field(default=50, gt=0)
    login_window_seconds: int = Field(default=300, gt=0)
    trusted_proxies: tuple[IPvAnyNetwork, ...] = ()
    """Peers (addresses or CIDRs, a JSON list in ``ACCOUNTS_TRUSTED_PROXIES``) whose
    ``X-Forwarded-For`` names the client: the router's address (it forwards the client address
    it resolved, ``forward_client_address``). None by default: every login then counts against
    its TCP peer, so behind a router that is not trusted all clients share one bucket."""
    hash_concurrency: int | None = None
    """Argon2 computations at once (default: the number of CPUs)."""

    def throttle(self, store_url: str) -> LoginThrottle:
        redis = create_redis(self.redis_url) if self.login_throttle else None
        limits = ThrottleLimits(
            self.login_max_failures_per_username,
            self.login_max_failures_per_client,
            self.login_window_seconds,
        )
        store = hashlib.sha256(store_url.encode()).hexdigest()[:12]
        prefix = self.login_throttle_prefix or f"accounts:login:{store}"
        return LoginThrottle(redis, prefix, limits)


def create_database(url: str | None = None) -> Database:
    return Database(url or Settings().store_url(NAME), TABLES)


def token_service(settings: Settings | None = None) -> TokenService:
    current = settings or Settings()
    return TokenService.from_settings(
        IssuerSettings(
            keys_dir=current.keys_dir,
            issuer=current.token_issuer,
            audience=current.token_audience,
            ttl_seconds=current.token_ttl_seconds,
        )
    )


def create_app(database: Database | None = None, tokens: TokenService | None = None) -> FastAPI:
    settings = Settings()
    db = database or create_database()
    service = tokens or token_service(settings)
    hashing = PasswordHashing(max_concurrent=settings.hash_concurrency)
    throttle = settings.throttle(db.url)
    addresses = ClientAddressSettings(trusted_proxies=settings.trusted_proxies)
    app = create_subgraph_app(
        NAME,
        db,
        strawberry_mount(schema, lambda: Context(db, service, hashing, throttle, addresses)),
        on_shutdown=[throttle.aclose],
    )
    app.router.routes.append(service.route())
    return app
