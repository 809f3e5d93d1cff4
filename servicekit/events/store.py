"""The tables each service adds to its own store (SQLModel): outbox, inbox and dead letters.

- ``event_outbox``: events written in the same transaction as the state change they describe
  (the transactional outbox pattern); the relay publishes rows in id order and stamps
  ``published_at``.
- ``event_inbox``: one row per (event id, consumer group) handled, inserted in the same
  transaction as the handler's effect, so a redelivered event changes nothing the second time.
- ``event_dead_letters``: events a handler failed on ``max_attempts`` times, with the last
  error; ``events dlq list|replay`` shows and republishes them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

__all__ = ["EVENT_TABLES", "DeadLetter", "InboxEntry", "OutboxEntry"]


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


class DeadLetter(SQLModel, table=True):
    __tablename__ = "event_dead_letters"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(index=True)
    event_type: str
    consumer_group: str
    payload: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    attempts: int
    error: str
    failed_at: datetime
    replayed_at: datetime | None = None


EVENT_TABLES: list[type[SQLModel]] = [OutboxEntry, InboxEntry, DeadLetter]
