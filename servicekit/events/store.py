"""The tables each service adds to its own store (SQLModel): outbox and inbox.

- ``event_outbox``: events written in the same transaction as the state change they describe
  (the transactional outbox pattern); the relay publishes rows in id order and stamps
  ``published_at``.
- ``event_inbox``: one row per (event id, consumer group) handled, inserted in the same
  transaction as the handler's effect, so a redelivered event changes nothing the second time.

Dead letters are not here: they are on the broker (servicekit/events/deadletters.py), beside the
streams they came from, so ``events dlq`` sees every service's letters with one broker URL and a
dead letter needs no write to a store that may be the very thing failing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

__all__ = ["EVENT_TABLES", "InboxEntry", "OutboxEntry"]


class OutboxEntry(SQLModel, table=True):
    __tablename__ = "event_outbox"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(unique=True)
    event_type: str
    payload: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime
    published_at: datetime | None = Field(default=None, index=True)


class InboxEntry(SQLModel, table=True):
    __tablename__ = "event_inbox"

    event_id: str = Field(primary_key=True)
    consumer_group: str = Field(primary_key=True)
    event_type: str
    handled_at: datetime


EVENT_TABLES: list[type[SQLModel]] = [OutboxEntry, InboxEntry]
