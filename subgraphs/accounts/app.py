"""The accounts subgraph process: settings (``ACCOUNTS_*``), store, token service and ASGI app.

Besides ``/graphql`` it serves the issuer's JWKS at ``/.well-known/jwks.json`` (the router and
the BFFs verify tokens against it); signing keys live under ``ACCOUNTS_KEYS_DIR`` (created on
first use, rotated with ``python -m servicekit.auth.issuer rotate --keys DIR`` without a restart).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from pydantic_settings import SettingsConfigDict

from servicekit.auth.issuer import IssuerSettings, TokenService
from servicekit.auth.passwords import PasswordHashing
from subgraphs.accounts.models import TABLES
from subgraphs.accounts.schema import Context, schema
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
    db = database or create_database()
    service = tokens or token_service()
    hashing = PasswordHashing()
    app = create_subgraph_app(
        NAME, db, strawberry_mount(schema, lambda: Context(db, service, hashing))
    )
    app.router.routes.append(service.route())
    return app
