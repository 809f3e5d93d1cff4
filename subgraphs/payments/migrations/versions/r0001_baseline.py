"""Baseline: the payments store as ``create_all`` made it before migrations existed (commit
cd7d61c: ``payments`` without ``payment_method``, ``event_outbox``, ``event_inbox``,
``event_dead_letters``). Nothing to do: a store without ``alembic_version_payments`` is stamped here,
then upgraded.

Revision ID: payments_0001
Revises:
"""

from __future__ import annotations

revision = "payments_0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
