"""The ``subscriptions:`` section of the router config (issue #16)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["SubscriptionSettings"]


class SubscriptionSettings(BaseModel):
    """Caps and timings of subscriptions; every client transport shares them."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    max_open: int = Field(default=10_000, ge=1)
    """Open subscriptions in this router process, all transports together."""
    max_per_connection: int = Field(default=100, ge=1)
    """Open subscriptions on one client WebSocket (an SSE or multipart request carries one)."""
    connection_init_timeout_seconds: float = Field(default=10.0, gt=0)
    """graphql-transport-ws: close 4408 when ``connection_init`` does not come in time."""
    subgraph_connect_timeout_seconds: float = Field(default=10.0, gt=0)
    """Opening the subgraph WebSocket and its ``connection_ack``."""
    heartbeat_seconds: float = Field(default=5.0, gt=0)
    """Multipart ``{}`` heartbeats and SSE comments keep idle streams open through proxies
    (Apollo Router sends a multipart heartbeat every 5 s)."""
