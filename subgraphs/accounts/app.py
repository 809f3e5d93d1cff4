"""The accounts subgraph process: settings (``ACCOUNTS_*``), store and ASGI app."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic_settings import SettingsConfigDict

from subgraphs.accounts.models import TABLES
from subgraphs.accounts.schema import Context, schema
from subgraphs.common.app import create_subgraph_app
from subgraphs.common.db import Database
from subgraphs.common.settings import SubgraphSettings
from subgraphs.common.strawberry_app import strawberry_mount

__all__ = ["NAME", "Settings", "create_app", "create_database"]

NAME = "accounts"


class Settings(SubgraphSettings):
    model_config = SettingsConfigDict(env_prefix="ACCOUNTS_", extra="ignore")


def create_database(url: str | None = None) -> Database:
    return Database(url or Settings().store_url(NAME), TABLES)


def create_app(database: Database | None = None) -> FastAPI:
    db = database or create_database()
    return create_subgraph_app(NAME, db, strawberry_mount(schema, lambda: Context(db)))
