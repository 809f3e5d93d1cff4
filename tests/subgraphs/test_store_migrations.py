"""Stores made before migrations existed upgrade when their service starts (servicekit/migrations.py,
Alembic): an ``orders.db`` and a ``payments.db`` written with the schema ``create_all`` made at
commit cd7d61c (the DDL below is what it emitted on SQLite, copied out) and rows of that time —
orders that named card numbers, a ``ChargePayment`` version 1 in the outbox with its card, a dead
letter — are served by the real processes (``subgraph serve``) after the upgrade: the orders and
the payment answer through GraphQL as before, the card numbers became Stripe's test payment
method tokens (or the default), the pending outbox row is published as version 2, the
dead-letter table is gone, and no card number is left in any row. A second start finds the
store at head and changes nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import redis

from devstack.services import by_name
from servicekit.processes import ManagedProcess, free_port
from tests.events.support import BROKERS, eventually, namespace
from tests.subgraphs.support import SECRET, signed

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

OUTBOX_DDL = """
CREATE TABLE event_outbox (id INTEGER NOT NULL, event_id VARCHAR NOT NULL,
  event_type VARCHAR NOT NULL, payload JSON NOT NULL, created_at DATETIME NOT NULL,
  published_at DATETIME, PRIMARY KEY (id), UNIQUE (event_id));
CREATE INDEX ix_event_outbox_published_at ON event_outbox (published_at);
CREATE TABLE event_inbox (event_id VARCHAR NOT NULL, consumer_group VARCHAR NOT NULL,
  event_type VARCHAR NOT NULL, handled_at DATETIME NOT NULL,
  PRIMARY KEY (event_id, consumer_group));
CREATE TABLE event_dead_letters (id INTEGER NOT NULL, event_id VARCHAR NOT NULL,
  event_type VARCHAR NOT NULL, consumer_group VARCHAR NOT NULL, payload JSON NOT NULL,
  attempts INTEGER NOT NULL, error VARCHAR NOT NULL, failed_at DATETIME NOT NULL,
  replayed_at DATETIME, PRIMARY KEY (id));
CREATE INDEX ix_event_dead_letters_event_id ON event_dead_letters (event_id);
"""
OLD_ORDERS = f"""
CREATE TABLE orders (id INTEGER NOT NULL, user_id INTEGER NOT NULL, status VARCHAR NOT NULL,
  total INTEGER NOT NULL, placed_at DATETIME NOT NULL, idempotency_key VARCHAR NOT NULL,
  saga_step VARCHAR, step_deadline DATETIME, resend_at DATETIME, step_resends INTEGER NOT NULL,
  reason VARCHAR, card VARCHAR NOT NULL, PRIMARY KEY (id));
CREATE INDEX ix_orders_user_id ON orders (user_id);
CREATE UNIQUE INDEX ix_orders_idempotency_key ON orders (idempotency_key);
CREATE INDEX ix_orders_saga_step ON orders (saga_step);
{OUTBOX_DDL}
CREATE TABLE order_items (id INTEGER NOT NULL, order_id INTEGER NOT NULL,
  product_upc VARCHAR NOT NULL, quantity INTEGER NOT NULL, unit_price INTEGER NOT NULL,
  PRIMARY KEY (id), FOREIGN KEY(order_id) REFERENCES orders (id));
CREATE INDEX ix_order_items_order_id ON order_items (order_id);
CREATE TABLE order_status_history (id INTEGER NOT NULL, order_id INTEGER NOT NULL,
  status VARCHAR NOT NULL, step VARCHAR, reason VARCHAR, at DATETIME NOT NULL,
  PRIMARY KEY (id), FOREIGN KEY(order_id) REFERENCES orders (id));
CREATE INDEX ix_order_status_history_order_id ON order_status_history (order_id);
"""
OLD_PAYMENTS = f"""
CREATE TABLE payments (id INTEGER NOT NULL, order_id INTEGER NOT NULL, buyer_id INTEGER NOT NULL,
  amount INTEGER NOT NULL, currency VARCHAR NOT NULL, status VARCHAR NOT NULL,
  method_brand VARCHAR NOT NULL, method_last4 VARCHAR NOT NULL, provider VARCHAR NOT NULL,
  provider_reference VARCHAR, failure_reason VARCHAR, refund_reason VARCHAR,
  created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, PRIMARY KEY (id));
CREATE INDEX ix_payments_buyer_id ON payments (buyer_id);
CREATE UNIQUE INDEX ix_payments_order_id ON payments (order_id);
{OUTBOX_DDL}
"""
AT = "2026-12-01 10:00:00.000000"
DECLINED_CARD, MASTERCARD, OTHER_CARD = (
    "4000 0000 0000 0002",
    "5555555555554444",
    "4111111111111111",
)
CARDS = ("4000000000000002", MASTERCARD, OTHER_CARD)


def _charge_v1(order_id: int, card: str) -> dict[str, Any]:
    return {
        "id": f"charge-{order_id}",
        "type": "ChargePayment",
        "version": 1,
        "occurred_at": "2026-12-01T10:00:00Z",
        "correlation_id": str(order_id),
        "order_id": order_id,
        "buyer_id": 3,
        "amount": 1200,
        "currency": "USD",
        "card": card,
    }


def _old_orders(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.executescript(OLD_ORDERS)
        for order_id, status, card, reason in (
            (1, "CANCELLED", DECLINED_CARD, "payment declined: card_declined"),
            (2, "CONFIRMED", MASTERCARD, None),
            (3, "CONFIRMED", OTHER_CARD, None),
            (4, "CONFIRMED", "", None),
        ):
            db.execute(
                "INSERT INTO orders VALUES (?, 3, ?, 1200, ?, ?, NULL, NULL, NULL, 0, ?, ?)",
                (order_id, status, AT, f"3:old-{order_id}", reason, card),
            )
            db.execute("INSERT INTO order_items VALUES (?, ?, '1', 1, 1200)", (order_id, order_id))
            db.execute(
                "INSERT INTO order_status_history VALUES (?, ?, ?, NULL, ?, ?)",
                (order_id, order_id, status, reason, AT),
            )
        published = orjson.dumps(_charge_v1(1, DECLINED_CARD)).decode()
        pending = orjson.dumps(_charge_v1(2, MASTERCARD)).decode()
        db.execute(
            "INSERT INTO event_outbox VALUES (1, 'charge-1', 'ChargePayment', ?, ?, ?)",
            (published, AT, AT),
        )
        db.execute(
            "INSERT INTO event_outbox VALUES (2, 'charge-2', 'ChargePayment', ?, ?, NULL)",
            (pending, AT),
        )
        db.execute(
            "INSERT INTO event_dead_letters VALUES (1, 'charge-3', 'ChargePayment', 'payments', ?,"
            " 5, 'boom', ?, NULL)",
            (orjson.dumps(_charge_v1(3, OTHER_CARD)).decode(), AT),
        )


def _old_payments(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.executescript(OLD_PAYMENTS)
        db.execute(
            "INSERT INTO payments VALUES (1, 2, 3, 1200, 'USD', 'CHARGED', 'mastercard', '4444',"
            " 'demo', 'demo_ch_x', NULL, NULL, ?, ?)",
            (AT, AT),
        )
        db.execute(
            "INSERT INTO event_dead_letters VALUES (1, 'charge-3', 'ChargePayment', 'payments', ?,"
            " 5, 'boom', ?, NULL)",
            (orjson.dumps(_charge_v1(3, OTHER_CARD)).decode(), AT),
        )


class Service:
    """One subgraph as a real process over a given store file (no seeding)."""

    def __init__(self, name: str, store: Path, logs: Path) -> None:
        service = by_name([name])[0]
        port = free_port()
        self.namespace = namespace("migrate")
        env = {
            f"{name.upper()}_DATABASE_URL": f"sqlite+aiosqlite:///{store}",
            "EVENTS_NAMESPACE": self.namespace,
            "IDENTITY_HMAC_SECRET": SECRET,
        }
        spec = service.process_spec({name: port}, extra_env=env)
        self.url = service.url("127.0.0.1", port)
        self.process = ManagedProcess(spec, log_path=logs / f"{name}.log")

    def ask(self, query: str, variables: dict[str, Any], user: str = "3") -> Any:
        body = orjson.dumps({"query": query, "variables": variables})
        return httpx.post(self.url, content=body, headers=signed(body, user), timeout=30).json()


@pytest.fixture
def services(tmp_path: Path) -> Iterator[dict[str, Service]]:
    _old_orders(tmp_path / "orders.db")
    _old_payments(tmp_path / "payments.db")
    running = {name: Service(name, tmp_path / f"{name}.db", tmp_path) for name in NAMES}
    try:
        yield running
    finally:
        for service in running.values():
            service.process.stop()
            client = redis.Redis.from_url(BROKERS["redis"])  # its streams on the shared Redis
            keys = list(client.scan_iter(match=f"{service.namespace}.*"))
            if keys:
                client.delete(*keys)
            client.close()


NAMES = ("orders", "payments")
ORDER = "query($id: ID!) { order(id: $id) { id status total statusReason } }"
PAYMENT = "query($id: ID!) { payment(id: $id) { amount status method { brand last4 } } }"


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return list(db.execute(sql).fetchall())


def _everything(path: Path) -> str:
    tables = [name for (name,) in _rows(path, "SELECT name FROM sqlite_master WHERE type='table'")]
    return " ".join(repr(_rows(path, f'SELECT * FROM "{table}"')) for table in tables)


def _columns(path: Path, table: str) -> list[str]:
    return [row[1] for row in _rows(path, f'PRAGMA table_info("{table}")')]


async def test_old_stores_upgrade_when_their_services_start(
    services: dict[str, Service], tmp_path: Path
) -> None:
    orders, payments = tmp_path / "orders.db", tmp_path / "payments.db"
    for service in services.values():
        service.process.start(ready_timeout_seconds=180)
    orders_service, payments_service = services["orders"], services["payments"]
    assert [orders_service.ask(ORDER, {"id": str(i)}) for i in (1, 2)] == [
        {
            "data": {
                "order": {
                    "id": "1",
                    "status": "CANCELLED",
                    "total": 1200,
                    "statusReason": "payment declined: card_declined",
                }
            }
        },
        {
            "data": {
                "order": {"id": "2", "status": "CONFIRMED", "total": 1200, "statusReason": None}
            }
        },
    ]
    assert payments_service.ask(PAYMENT, {"id": "1"}) == {
        "data": {
            "payment": {
                "amount": 1200,
                "status": "CHARGED",
                "method": {"brand": "mastercard", "last4": "4444"},
            }
        }
    }
    # The schema is the new one, at the head revision.
    assert _rows(orders, "SELECT version_num FROM alembic_version_orders") == [("orders_0002",)]
    assert _rows(payments, "SELECT version_num FROM alembic_version_payments") == [
        ("payments_0002",)
    ]
    assert "card" not in _columns(orders, "orders")
    assert "payment_method" in _columns(orders, "orders")
    assert "payment_method" in _columns(payments, "payments")
    assert _columns(payments, "payment_methods") == [
        "token",
        "brand",
        "last4",
        "decline",
        "created_at",
    ]
    for store in (orders, payments):
        assert (
            _rows(store, "SELECT name FROM sqlite_master WHERE name = 'event_dead_letters'") == []
        )
    # Test cards became Stripe's test tokens, any other number the default (empty).
    assert _rows(orders, "SELECT id, payment_method FROM orders ORDER BY id") == [
        (1, "pm_card_visa_chargeDeclined"),
        (2, "pm_card_mastercard"),
        (3, ""),
        (4, ""),
    ]
    # The outbox's ChargePayment rows are version 2 with the token; the pending one is sent.

    async def relayed() -> bool:
        return _rows(orders, "SELECT COUNT(*) FROM event_outbox WHERE published_at IS NULL") == [
            (0,)
        ]

    await eventually(relayed, "the upgraded pending outbox row published", 60)
    charges = [orjson.loads(p) for (p,) in _rows(orders, "SELECT payload FROM event_outbox")]
    assert [(c["order_id"], c["version"], c["payment_method"], "card" in c) for c in charges] == [
        (1, 2, "pm_card_visa_chargeDeclined", False),
        (2, 2, "pm_card_mastercard", False),
    ]
    # No card number in any row of either store.
    for store in (orders, payments):
        text = _everything(store)
        assert [card for card in CARDS if card in text or card[:12] in text] == []
    # A second start: already at head, nothing changes.
    before = {store: _everything(store) for store in (orders, payments)}
    for service in services.values():
        service.process.stop()
        service.process.start(ready_timeout_seconds=180)
    assert {store: _everything(store) for store in (orders, payments)} == before
    assert orders_service.ask(ORDER, {"id": "2"})["data"]["order"]["status"] == "CONFIRMED"
