"""Schema migrations of a service's store with Alembic, run when the service starts.

A store whose tables changed after stores were already in use (orders, payments) keeps an
Alembic script folder beside its models (``subgraphs/<name>/migrations``: ``env.py`` calls
:func:`run_env`, ``versions/`` holds the revisions). :meth:`Migrations.apply` brings any store
to the head revision, in the start-up transaction:

- a new store (no table named after the store): ``create_all`` from the models, then ``stamp
  head`` (the models are the head schema; replaying every revision would only rebuild it);
- a store made before migrations existed (its table, no ``alembic_version_<store>``): ``stamp`` the
  *baseline* revision (the schema ``create_all`` made when migrations were introduced), then
  ``upgrade head``;
- a migrated store: ``upgrade head`` (nothing to do when it is there already).

Then, as before migrations, a table of the models the store lacks is created (``create_all``
only creates what is missing): a store that lost a table is repaired on the next start.

Alembic is the SQLAlchemy project's own migration tool (SQLModel tables are SQLAlchemy tables);
revisions use plain ``op`` calls that SQLite (3.35+: ``ADD``/``DROP COLUMN``) and PostgreSQL both
run, no table copies (a copy of ``orders`` would fight the foreign keys of its children).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Table, inspect
from sqlmodel import SQLModel

__all__ = ["Migrations", "run_env"]


@dataclass(frozen=True)
class Migrations:
    script_location: Path
    """The store's Alembic folder (``env.py``, ``versions/``)."""
    baseline: str
    """The revision a store made by ``create_all`` before migrations existed is at."""
    store: str
    """The store's own table (``orders``): absent means a new store. Its revisions are kept in
    ``alembic_version_<store>``, so services sharing one database (a test, a small deployment)
    neither mistake each other's tables for their own nor share a version table."""

    @property
    def version_table(self) -> str:
        return f"alembic_version_{self.store}"

    def config(self, connection: Connection) -> Config:
        config = Config()
        config.set_main_option("script_location", str(self.script_location))
        config.attributes["connection"] = connection
        config.attributes["version_table"] = self.version_table
        return config

    def apply(self, connection: Connection, tables: Sequence[Table]) -> str | None:
        """Bring the store on ``connection`` to head (sync: run it in ``run_sync``); returns
        the revision it was at (None for a new or pre-migration store)."""
        config = self.config(connection)
        options = {"version_table": self.version_table}
        current = MigrationContext.configure(connection, opts=options).get_current_revision()
        if current is None:
            if self.store not in inspect(connection).get_table_names():
                SQLModel.metadata.create_all(connection, tables=list(tables))
                command.stamp(config, "head")
                return None
            command.stamp(config, self.baseline)
        command.upgrade(config, "head")
        SQLModel.metadata.create_all(connection, tables=list(tables))
        return current


def run_env() -> None:
    """The body of every store's ``env.py``: migrate on the connection :meth:`Migrations.apply`
    handed over (online mode only: services migrate their own store at start)."""
    connection = context.config.attributes["connection"]
    version_table = context.config.attributes["version_table"]
    context.configure(connection=connection, target_metadata=None, version_table=version_table)
    with context.begin_transaction():
        context.run_migrations()
