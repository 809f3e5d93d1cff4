"""The settings both BFFs read (issues #6, #8): the router URL, cache TTLs, Redis behaviour and
how bearer tokens are verified (the accounts JWKS, issuer and audience).

Each BFF subclasses :class:`BFFSettings` with its env prefix (``BFF_WEB_``, ``BFF_MOBILE_``), so one
environment configures both without collisions.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from bff.limits import OperationLimitsSettings
from servicekit.cors import LOCAL_DEVELOPMENT_ORIGINS, CorsSettings
from servicekit.settings import ServiceSettings
from servicekit.topology import PROJECT_ROOT

__all__ = ["BFFSettings"]


class BFFSettings(ServiceSettings):
    """What a BFF needs beyond host/port/mode: its router, its cache policy, its GraphQL limits."""

    router_url: str = "http://127.0.0.1:4000/graphql"
    router_timeout_seconds: float = 10.0
    router_persisted_ids: bool = False
    """Send router operations as persisted ids of the BFF's router manifest
    (``schema/persisted/bff-<name>.router.json``), never as text: each execution step is one
    POST of a client batch (a JSON array, one operation per piece), so the router must have
    ``batching`` on and load that manifest for client ``bff-<name>``; a router with
    ``policy: safelist`` for it then serves the BFF. Off: one aliased ``query BffStep`` text per
    step. ``BFF_MOBILE_ROUTER_PERSISTED_IDS=true`` (on in ``make dev`` and compose)."""
    router_batch_max_size: int = Field(default=10, gt=0)
    """The router's ``batching.maximum_size``: a step of more pieces is split into several batches."""
    entity_ttl_seconds: int = 300
    """Entities whose fields rarely change (names, prices, profiles, reviews)."""
    stock_ttl_seconds: int = 30
    """Entries carrying stock or orders: short, and invalidated by ``placeOrder`` anyway."""
    list_ttl_seconds: int = 30
    """Root lists (top products, recent reviews, feed pages) whose membership changes."""
    apq_ttl_seconds: int = 86_400
    redis_timeout_seconds: float = 0.5
    """Socket timeout of Redis calls: a stalled Redis degrades a request instead of stalling it."""
    redis_retry_seconds: float = 1.0
    """After a Redis failure, skip Redis for this long (requests go to the router), then retry."""
    schema_poll_seconds: float = 30.0
    """How often the schema version (the cache key version) is re-read."""
    supergraph_path: Path | None = PROJECT_ROOT / "schema" / "supergraph.graphql"
    """The supergraph the router serves (the registry's file): its hash versions the cache keys.
    When it is not a file, the router's introspected schema is hashed instead (which needs
    introspection enabled on the router; a production router refuses it)."""
    cache_namespace: str = "bff"
    """Key prefix in Redis; tests give each run its own."""
    jwks_url: str = "http://127.0.0.1:4001/.well-known/jwks.json"
    """The accounts service's JWK Set (``config/router.dev.yaml`` verifies against the same)."""
    token_issuer: str = "http://127.0.0.1:4001"
    token_audience: str = "federation-router"
    """Tokens are minted for the router's audience; the BFF forwards them there unchanged."""
    token_leeway_seconds: float = 5.0
    """Clock skew allowed on ``exp``/``nbf``/``iat`` (the router's default too)."""
    jwks_min_refresh_interval_seconds: float = 30.0
    """At most one JWKS fetch per this interval for unknown ``kid``s."""
    jwks_max_age_seconds: float = 300.0
    cors: CorsSettings | None = None
    """``None``: local app origins (``http://localhost:*``, ``http://127.0.0.1:*``) in
    development, no origin in production; set it (``BFF_WEB_CORS='{"origins": [...]}'``) to
    allow others (:mod:`servicekit.cors`)."""

    def cors_settings(self) -> CorsSettings:
        if self.cors is not None:
            return self.cors
        if self.is_development:
            return CorsSettings(origins=LOCAL_DEVELOPMENT_ORIGINS)
        return CorsSettings()

    limits: OperationLimitsSettings = Field(default_factory=OperationLimitsSettings)
    """The router's operation limits (depth, aliases, root fields, document bytes, tokens,
    field-merging comparisons), as JSON in the environment: ``BFF_WEB_LIMITS='{"max_depth": 8}'``."""
    max_body_bytes: int = Field(default=2_000_000, gt=0)
    """The router's ``http.max_body_bytes``: a larger request body is refused with 413."""
