"""Settings every subgraph reads: servicekit's base plus the SQLAlchemy URL of its own store.

Each subgraph subclasses :class:`SubgraphSettings` with its own ``env_prefix`` (``ACCOUNTS_`` ...),
so ``ACCOUNTS_DATABASE_URL`` points accounts at PostgreSQL while the others keep SQLite.
"""

from __future__ import annotations

from servicekit.settings import ServiceSettings
from servicekit.topology import PROJECT_ROOT

__all__ = ["DATA_DIR", "SubgraphSettings", "default_sqlite_url"]

DATA_DIR = PROJECT_ROOT / "data"


def default_sqlite_url(name: str) -> str:
    """One SQLite file per subgraph under the git-ignored ``data/`` folder."""
    return f"sqlite+aiosqlite:///{DATA_DIR / f'{name}.db'}"


class SubgraphSettings(ServiceSettings):
    """Adds the store's URL; an empty value means the default SQLite file."""

    database_url: str = ""

    def store_url(self, name: str) -> str:
        return self.database_url or default_sqlite_url(name)
