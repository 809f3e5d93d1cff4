"""Payment method tokens: ``payments.payment_method`` (the token charged; empty for payments
made before tokens, which keep their brand and last four digits) and the demo provider's vault
``payment_methods``; ``event_dead_letters`` is dropped (dead letters are on the broker now,
servicekit/events/deadletters.py, and its payloads could hold card numbers).

Revision ID: payments_0002
Revises: payments_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "payments_0002"
down_revision = "payments_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "payments", sa.Column("payment_method", sa.String(), nullable=False, server_default="")
    )
    op.create_table(
        "payment_methods",
        sa.Column("token", sa.String(), primary_key=True),
        sa.Column("brand", sa.String(), nullable=False),
        sa.Column("last4", sa.String(), nullable=False),
        sa.Column("decline", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.drop_table("event_dead_letters")


def downgrade() -> None:
    op.create_table(
        "event_dead_letters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.String(), nullable=False, index=True),
        sa.Column("event_type", sa.String(), nullable=False),
        sa.Column("consumer_group", sa.String(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.Column("replayed_at", sa.DateTime(), nullable=True),
    )
    op.drop_table("payment_methods")
    op.drop_column("payments", "payment_method")
