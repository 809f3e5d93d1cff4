"""``registry``: serve the schema registry.

``registry [--host 127.0.0.1] [--port 4300] [--database-url URL] [--persisted DIR]``

Settings from the environment (``REGISTRY_`` prefix): ``REGISTRY_TOKEN`` (required: the publish
token), ``REGISTRY_READ_TOKEN`` (optional: a token that may only read),
``REGISTRY_DATABASE_URL`` (default: SQLite in ``data/registry.db``; a
``postgresql+asyncpg://`` URL for PostgreSQL). ``--persisted DIR`` loads the Apollo persisted
query manifests of DIR (``schema/persisted``) at start-up: the operations a publish must not
break.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from router.registry.operations import load_operations
from router.registry.service.app import create_registry_app
from router.registry.service.auth import Tokens
from router.registry.service.store import TABLES
from router.registry.sources import InputError
from servicekit.db import Database
from servicekit.serve import serve
from servicekit.settings import ServiceSettings
from servicekit.topology import PROJECT_ROOT

__all__ = ["REGISTRY_PORT", "RegistrySettings", "main"]

REGISTRY_PORT = 4300
"""Beside the router (4000), the subgraphs (4001-...) and the BFFs (4100, 4200)."""


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    port: int = REGISTRY_PORT
    database_url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'data' / 'registry.db'}"
    token: SecretStr | None = None
    read_token: SecretStr | None = None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="registry", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=None)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--persisted", type=Path, default=None, help="persisted query manifests")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = RegistrySettings()
    if settings.token is None or not settings.token.get_secret_value():
        print(
            "registry: set REGISTRY_TOKEN (the publish token); refusing to start", file=sys.stderr
        )
        return 2
    read = settings.read_token.get_secret_value() if settings.read_token else None
    tokens = Tokens(settings.token.get_secret_value(), read or None)
    try:
        operations = load_operations(args.persisted) if args.persisted else []
    except InputError as error:
        print(f"registry: {error}", file=sys.stderr)
        return 2
    database = Database(args.database_url or settings.database_url, TABLES)
    app = create_registry_app(database, tokens, operations=operations)
    serve(
        app,
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level=settings.log_level,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
