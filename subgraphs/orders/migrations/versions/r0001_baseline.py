"""Baseline: the orders store as ``create_all`` made it before migrations existed (commit
cd7d61c: ``orders`` with its ``card`` column, ``order_items``, ``order_status_history``,
``event_outbox``, ``event_inbox``, ``event_dead_letters``). Nothing to do: a store without
``alembic_version_orders`` is stamped here, then upgraded.

Revision ID: orders_0001
Revises:
"""

from __future__ import annotations

revision = "orders_0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
