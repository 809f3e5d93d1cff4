"""Orders keep a payment method token, never a card number; dead letters move to the broker.

- ``orders.card`` -> ``orders.payment_method``: a Stripe test card number becomes its test
  payment method token (``4000000000000002`` -> ``pm_card_visa_chargeDeclined`` ...); any other
  number becomes empty (the configured default method), so no number survives.
- ``event_outbox``: ``ChargePayment`` version 1 rows (they carried the card) are rewritten as
  version 2 with the token, published or not (a pending one is then sent as version 2).
- ``event_dead_letters`` is dropped: dead letters are on the broker now
  (servicekit/events/deadletters.py), and its payloads could hold card numbers.

The token table is written out here, not imported: a revision is a snapshot of its day.

Revision ID: orders_0002
Revises: orders_0001
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "orders_0002"
down_revision = "orders_0001"
branch_labels = None
depends_on = None

TEST_CARD_TOKENS = {
    "4242424242424242": "pm_card_visa",
    "4000056655665556": "pm_card_visa_debit",
    "5555555555554444": "pm_card_mastercard",
    "5200828282828210": "pm_card_mastercard_debit",
    "5105105105105100": "pm_card_mastercard_prepaid",
    "378282246310005": "pm_card_amex",
    "6011111111111117": "pm_card_discover",
    "4000000000000002": "pm_card_visa_chargeDeclined",
    "4000000000009995": "pm_card_visa_chargeDeclinedInsufficientFunds",
    "4000000000009987": "pm_card_visa_chargeDeclinedLostCard",
    "4000000000009979": "pm_card_visa_chargeDeclinedStolenCard",
    "4000000000000069": "pm_card_chargeDeclinedExpiredCard",
    "4000000000000127": "pm_card_chargeDeclinedIncorrectCvc",
    "4000000000000119": "pm_card_chargeDeclinedProcessingError",
}

orders = sa.table("orders", sa.column("id", sa.Integer), sa.column("card", sa.String))
orders_token = sa.table(
    "orders", sa.column("id", sa.Integer), sa.column("payment_method", sa.String)
)
outbox = sa.table(
    "event_outbox",
    sa.column("id", sa.Integer),
    sa.column("event_type", sa.String),
    sa.column("payload", sa.JSON),
)


def token(card: str) -> str:
    return TEST_CARD_TOKENS.get(card.replace(" ", "").replace("-", ""), "")


def upgrade() -> None:
    connection = op.get_bind()
    op.add_column(
        "orders", sa.Column("payment_method", sa.String(), nullable=False, server_default="")
    )
    cards = connection.execute(sa.select(orders.c.id, orders.c.card).where(orders.c.card != ""))
    for order_id, card in cards.all():
        connection.execute(
            orders_token.update()
            .where(orders_token.c.id == order_id)
            .values(payment_method=token(card))
        )
    op.drop_column("orders", "card")
    charges = connection.execute(
        sa.select(outbox.c.id, outbox.c.payload).where(outbox.c.event_type == "ChargePayment")
    )
    for row_id, payload in charges.all():
        if payload.get("version") == 1:
            connection.execute(
                outbox.update().where(outbox.c.id == row_id).values(payload=_v2(payload))
            )
    op.drop_table("event_dead_letters")


def _v2(payload: dict[str, Any]) -> dict[str, Any]:
    upgraded = {key: value for key, value in payload.items() if key != "card"}
    upgraded["version"] = 2
    upgraded["payment_method"] = token(str(payload.get("card", ""))) or "pm_card_visa"
    return upgraded


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
    op.add_column("orders", sa.Column("card", sa.String(), nullable=False, server_default=""))
    op.drop_column("orders", "payment_method")
