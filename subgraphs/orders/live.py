"""Live order status (issue #16): ``Subscription.orderStatusChanged`` and what feeds it.

Every status change of an order is published on topic ``order-status:<id>``
(:mod:`subgraphs.common.live_events`; the events issue's broker can feed the same seam). A
subscriber must be the order's owner, or hold ``orders:admin``, like ``order(id:)``: an anonymous
one is ``UNAUTHENTICATED``; for someone else's order, or one that does not exist, the answer is
the same ``FORBIDDEN`` (ids cannot be probed). The stream starts with the order's current state,
so a client knows it is live, then one event per change.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from servicekit.auth.forwarded import ForwardedIdentity
from servicekit.events import outbox
from servicekit.events.contracts import OrderStatusChanged
from servicekit.events.runtime import EventRuntime
from subgraphs.common import live_events
from subgraphs.common.clock import as_utc
from subgraphs.common.db import Database
from subgraphs.common.ids import parse_int_id
from subgraphs.common.live_identity import subscriber
from subgraphs.orders.models import ORDER_STATUSES, OrderStatusEntry
from subgraphs.orders.models import Order as OrderRow
from subgraphs.orders.saga import order_lines

__all__ = [
    "ADMIN_SCOPE",
    "follow_saga",
    "order_status_stream",
    "publish_status",
    "set_status",
    "topic",
]

ADMIN_SCOPE = "orders:admin"


def topic(order_id: int) -> str:
    return f"order-status:{order_id}"


def _payload(row: OrderRow, status: str | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "userId": row.user_id,
        "status": row.status if status is None else status,
        "total": row.total,
        "placedAt": as_utc(row.placed_at).isoformat(),
        "idempotencyKey": row.idempotency_key,
    }


def _row(payload: dict[str, Any]) -> OrderRow:
    return OrderRow(
        id=payload["id"],
        user_id=payload["userId"],
        status=payload["status"],
        total=payload["total"],
        placed_at=datetime.fromisoformat(payload["placedAt"]),
        idempotency_key=payload["idempotencyKey"],
    )


async def publish_status(row: OrderRow, status: str | None = None) -> None:
    """Call after a status change is committed (the saga can call it for its transitions);
    ``status``: the one to announce when it is not the row's (an event's, which may be older)."""
    if row.id is not None:
        await live_events.publish(topic(row.id), _payload(row, status))


def follow_saga(runtime: EventRuntime) -> None:
    """Feed ``orderStatusChanged`` from the saga's ``OrderStatusChanged`` events (issue #16 over
    the events of #15): each status the saga commits reaches the live subscribers, whichever
    orders process serves them. At least once, like the event itself."""

    async def relay(session: AsyncSession, event: OrderStatusChanged) -> None:
        row = await session.get(OrderRow, event.order_id)
        if row is not None:
            # the status this event announced, not a later one; the row is only read: this
            # handler's transaction commits (its inbox entry), and an event handled late (a
            # redelivery after a broker restart) must not move the order back
            await publish_status(row, event.status)

    runtime.on(OrderStatusChanged, relay)


def _may_follow(identity: ForwardedIdentity, row: OrderRow) -> bool:
    return identity.user_id == str(row.user_id) or ADMIN_SCOPE in identity.scopes


async def _load(db: Database, order_id: int) -> OrderRow | None:
    async with db.session() as session:
        return await session.get(OrderRow, order_id)


async def order_status_stream(
    db: Database, connection: HTTPConnection | None, order_id: object
) -> AsyncIterator[OrderRow]:
    """The order now, then at each status change. Refusals raise here, before the stream
    exists, so graphql-transport-ws answers them with an ``error`` message (not a ``next``)."""
    identity = subscriber(connection)
    if identity is None:
        raise GraphQLError(
            "orderStatusChanged needs a signed-in user", extensions={"code": "UNAUTHENTICATED"}
        )
    key = parse_int_id(order_id)
    events = live_events.current()
    if events is None:
        raise GraphQLError("live events are not configured", extensions={"code": "UNAVAILABLE"})
    row = await _load(db, key) if key is not None else None
    if key is None or row is None or not _may_follow(identity, row):
        raise GraphQLError(
            f"order {order_id} is not visible to the caller", extensions={"code": "FORBIDDEN"}
        )
    return _follow(db, events, key, row)


async def _follow(
    db: Database, events: live_events.LiveEvents, key: int, row: OrderRow
) -> AsyncIterator[OrderRow]:
    async with events.subscribe(topic(key)) as changes:
        current = await _load(db, key) or row  # after SUBSCRIBE: no change falls in between
        yield current
        last = current.status
        async for payload in changes:
            # one event per change: an event the current state already showed (or a redelivery,
            # the events being at least once) is not a change
            if payload["status"] != last:
                last = payload["status"]
                yield _row(payload)


async def set_status(
    db: Database, identity: ForwardedIdentity | None, order_id: object, status: str
) -> OrderRow | None:
    """The back office moves an order on (``orders:admin`` only); the change is in the order's
    history and announced like the saga's. Null for an unknown order."""
    if identity is None or ADMIN_SCOPE not in identity.scopes:
        raise GraphQLError(
            "setOrderStatus needs the orders:admin scope", extensions={"code": "FORBIDDEN"}
        )
    if status not in ORDER_STATUSES:
        raise GraphQLError(f"unknown status {status!r}", extensions={"code": "BAD_USER_INPUT"})
    key = parse_int_id(order_id)
    if key is None:
        return None
    async with db.session() as session, session.begin():
        row = await session.get(OrderRow, key, with_for_update=True)
        if row is None:
            return None
        row.status = status
        # like a saga transition: in the history, and announced by an event in the same
        # transaction (the event feeds the live subscribers and the BFFs' caches)
        reason = "set by the back office"
        at = datetime.now(UTC)
        session.add(OrderStatusEntry(order_id=key, status=status, step=None, reason=reason, at=at))
        outbox.add(
            session,
            OrderStatusChanged(
                order_id=key,
                buyer_id=row.user_id,
                status=status,
                reason=row.reason,
                upcs=[upc for upc, _ in await order_lines(session, key)],
                correlation_id=str(key),
            ),
        )
    return await _load(db, key)
