"""Settings of the router's response and entity cache (issue #17), modelled on Apollo Router's
``response_cache`` block: off by default, Redis shared by replicas, an invalidation endpoint
with a shared key (``Authorization: <key>``), CDN cache tags (``cdn_invalidation``).

A top-level module, not in ``router.caching``: ``router.config`` imports it, and
``router.caching`` imports ``router.execution``, which imports ``router.config``."""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["InvalidationSettings", "ResponseCacheSettings", "WarmupSettings"]


class InvalidationSettings(BaseModel):
    """``POST {path}`` with ``Authorization: <shared key>``; the key is read from the
    environment variable ``shared_key_env`` (never from the file: no secret in the repo)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    path: str = "/invalidation"
    shared_key_env: str = "ROUTER_INVALIDATION_KEY"
    events: bool = False
    """Also drop entries on the domain events (servicekit.events: price, stock, order status)."""

    def shared_key(self) -> str | None:
        return os.environ.get(self.shared_key_env) or None


class WarmupSettings(BaseModel):
    """Plan the persisted operations (and the most used ones) before traffic (Apollo Router's
    ``supergraph.query_planning.warmed_up_queries``)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    manifests: list[str] = Field(default_factory=list)
    """Persisted-query manifests (Apollo's format) whose operations are planned at boot."""
    most_used: int = 100
    """On hot reload: this many of the most used operations of the previous supergraph."""


class ResponseCacheSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    redis_url: str | None = None
    """Defaults to ``http.redis_url``."""
    key_prefix: str = "router:response-cache"
    max_ttl_seconds: int = 3600
    """Upper bound on any entry's TTL (the subgraph's ``max-age`` otherwise)."""
    subgraphs: list[str] | None = None
    """The subgraphs whose answers are cached; ``None``: every subgraph."""
    cdn_tags_header: str | None = "cache-tag"
    """Header listing the entity tags of a response (Apollo Router 2.17 ``cdn_invalidation``);
    ``None`` turns it off."""
    invalidation: InvalidationSettings = Field(default_factory=InvalidationSettings)
    warmup: WarmupSettings = Field(default_factory=WarmupSettings)
