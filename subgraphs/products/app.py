"""The products subgraph process: settings (``PRODUCTS_*``), store and ASGI app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from pydantic_settings import SettingsConfigDict

from subgraphs.common.app import create_subgraph_app
from subgraphs.common.ariadne_app import ariadne_mount
from subgraphs.common.db import Database
from subgraphs.common.events import event_hooks, new_runtime
from subgraphs.common.settings import DATA_DIR, SubgraphSettings
from subgraphs.products.images import ProductImages
from subgraphs.products.models import TABLES
from subgraphs.products.schema import make_context, schema

__all__ = ["NAME", "Settings", "create_app", "create_database"]

NAME = "products"


class Settings(SubgraphSettings):
    model_config = SettingsConfigDict(env_prefix="PRODUCTS_", extra="ignore")

    images_dir: Path = DATA_DIR / "product-images"
    """Where ``uploadProductImage`` stores images (issue #18); ``stack up`` puts it in its
    data folder."""
    max_image_bytes: int = 5_000_000


def create_database(url: str | None = None) -> Database:
    return Database(url or Settings().store_url(NAME), TABLES)


def create_app(database: Database | None = None) -> FastAPI:
    db = database or create_database()
    settings = Settings()
    images = ProductImages(settings.images_dir, settings.max_image_bytes)
    runtime = new_runtime(db, NAME)  # publishes PriceChanged; consumes nothing
    hooks = event_hooks(runtime)
    app = create_subgraph_app(
        NAME,
        db,
        ariadne_mount(schema, lambda r: make_context(db, r, images)),
        background=[hooks.background],
        before_serving=[hooks.before_serving],
        on_shutdown=[hooks.on_shutdown],
        checks=hooks.checks,
    )
    app.state.events = runtime
    return app
