"""``EVENTS_*`` settings every process of a stack shares (one broker, one namespace)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_BROKER_URL", "EventSettings"]

DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"


class EventSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EVENTS_", extra="ignore")

    broker_url: str = DEFAULT_BROKER_URL
    """``redis://`` (Redis Streams), ``nats://`` (JetStream) or ``amqp://`` (RabbitMQ)."""
    namespace: str = "shop"
    """Prefix of every stream, subject, exchange and queue (keeps stacks apart on one server)."""
    relay_interval_seconds: float = Field(default=0.1, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    """A handler failing this many times moves the event to the dead-letter store."""
    retry_backoff_seconds: float = Field(default=0.05, ge=0)
    """First retry delay; doubled per attempt, at most 2 s."""
    reclaim_idle_seconds: float = Field(default=30.0, gt=0)
    """Redis Streams: an entry delivered and not acknowledged for this long is delivered again
    (a lost XREADGROUP reply); longer than a handler's retries take."""
