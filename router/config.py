"""Router configuration: a YAML file (``router --config FILE``) validated by pydantic.

Shared by the core (subgraph URLs, timeouts, header propagation, deduplication) and the HTTP
surface (mode, CORS/CSRF, APQ), and ``security`` (:class:`SecurityConfig`: each package's settings
model lives in that package, this module only assembles them, so no router package imports
another for its settings). Every value has a default, so a bare ``router --supergraph FILE`` runs
(with no rate limit).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from router.cache_settings import ResponseCacheSettings
from router.headers.settings import HeadersSettings
from router.limits.settings import LimitsSettings, RateLimitRule, RateLimitSettings
from router.plugins.settings import PluginSettings
from router.resilience.settings import ResilienceSettings, TrafficShapingSettings
from router.security.settings import SecuritySettings
from router.trusted.settings import PersistedQueriesSettings
from servicekit.client_address import ClientAddressSettings
from servicekit.cors import CorsSettings

__all__ = [
    "ApqConfig",
    "BatchingConfig",
    "FileUploadsConfig",
    "HeaderRule",
    "HttpConfig",
    "IdentityForwardingConfig",
    "IncludeSubgraphErrors",
    "RouterConfig",
    "SecurityConfig",
    "SubgraphConfig",
    "SubscriptionSettings",
    "SupergraphPollConfig",
    "load_config",
]


class HeaderRule(BaseModel):
    """Propagate an inbound header to subgraph requests (optionally renamed), or insert a fixed one."""

    model_config = ConfigDict(extra="forbid")

    propagate: str | None = None
    rename: str | None = None
    insert: str | None = None
    value: str | None = None


class SubgraphConfig(BaseModel):
    """Per-subgraph overrides; unset fields fall back to ``RouterConfig.all_subgraphs``."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    timeout_seconds: float | None = None
    headers: list[HeaderRule] | None = None
    max_connections: int | None = None
    forward_client_address: bool | None = None
    max_representations_per_fetch: int | None = Field(default=None, ge=1)
    """Issue #18 (``_entities`` chunking): overrides ``all_subgraphs``' value for this subgraph."""


class AllSubgraphs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timeout_seconds: float = 30.0
    max_connections: int = 100
    headers: list[HeaderRule] = Field(
        default_factory=lambda: [HeaderRule(propagate="authorization")]
    )
    forward_client_address: bool = False
    """Send the client's address (``client_address``: resolved behind trusted proxies only) to
    the subgraph as ``X-Forwarded-For``, replacing any inbound one, as a reverse proxy does, so
    a subgraph that trusts the router can tell clients apart (the accounts service's per-client
    login throttle). Off by default: it makes identical queries of different clients differ,
    so they no longer share one in-flight subgraph fetch."""
    deduplicate_queries: bool = True
    """Identical in-flight subgraph queries (same subgraph, URL, headers and body) share one
    request; mutations never do. The one switch for outbound deduplication (on by default, as in
    Hive Gateway), whether or not resilience guards are configured."""
    max_representations_per_fetch: int | None = Field(default=None, ge=1)
    """Issue #18: at most this many representations in one ``_entities`` request; a longer list
    is split into chunks sent concurrently and merged in order
    (:mod:`router.execution.representations`). ``None``: one request, however long."""


class ApqConfig(BaseModel):
    """Automatic persisted queries (Apollo's APQ protocol), stored in Redis for every replica."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    ttl_seconds: int = Field(default=86_400, gt=0)
    key_prefix: str = "router:apq:"
    max_query_bytes: int = Field(default=65_536, gt=0)
    """Larger registrations are refused (``PERSISTED_QUERY_TOO_LARGE``); the same bound as
    ``security.limits.max_document_bytes``, past which no document runs anyway."""


class HttpConfig(BaseModel):
    """The HTTP surface (``router/http``): limits, GraphiQL, APQ and the Redis it shares."""

    model_config = ConfigDict(extra="forbid")

    max_body_bytes: int = Field(default=2_000_000, gt=0)
    graphiql: bool | None = None
    """``None``: GraphiQL in development mode only."""
    redis_url: str | None = "redis://127.0.0.1:6379/0"
    """``None``: no Redis (APQ then has nothing to share and every hash-only lookup misses)."""
    apq: ApqConfig = Field(default_factory=ApqConfig)


class IdentityForwardingConfig(BaseModel):
    """The verified caller sent to subgraphs as ``x-user-id`` / ``x-user-scopes`` with an HMAC
    signature (:mod:`servicekit.auth.forwarded`); subgraphs configured with the same secret
    trust those headers only when signed. ``secret`` None: off (falls back to the environment
    variable ``IDENTITY_HMAC_SECRET`` when set)."""

    model_config = ConfigDict(extra="forbid")

    secret: str | None = None

    def effective_secret(self) -> str | None:
        return self.secret or os.environ.get("IDENTITY_HMAC_SECRET") or None


class SecurityConfig(SecuritySettings):
    """The ``security:`` section: identity, authorization, CSRF and introspection
    (:mod:`router.security.settings`), operation limits and rate limits
    (:mod:`router.limits.settings`), subgraph resilience (:mod:`router.resilience.settings`).
    Each package reads only its own settings; this class only puts them side by side.

    The bare default has no rate limit (a single developer behind one IP would trip it);
    :meth:`development` is the preset the dev/compose configuration uses."""

    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    rate_limit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    resilience: ResilienceSettings = Field(default_factory=ResilienceSettings)

    @classmethod
    def development(cls) -> SecurityConfig:
        """The dev/compose preset: the defaults plus 300 requests per 10 s per anonymous client
        IP and per verified subject (issue #11: authenticated callers had no budget)."""
        rule = RateLimitRule(requests=300, per_seconds=10)
        return cls(rate_limit=RateLimitSettings(anonymous=rule, authenticated=rule))


class SubscriptionSettings(BaseModel):
    """The ``subscriptions:`` section (issue #16, :mod:`router.subscriptions`): caps and
    timings shared by every client transport. Here, not in its package: that package runs plans
    (:mod:`router.execution`), which reads this module."""

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
    enable_deduplication: bool = True
    """Client subscriptions sending a subgraph the same subscription (operation, variables,
    headers and forwarded identity) share one subgraph WebSocket (Apollo Router's option of this
    name, on by default there too): :mod:`router.subscriptions.shared`."""
    replay_latest_event: bool = True
    """A subscriber joining a shared stream first gets its latest event (every event of this
    platform's subgraphs is a whole state); false: it waits for the next one, as in Apollo Router."""
    max_lag_events: int = Field(default=128, ge=1)
    """Events a subscriber of a shared stream may fall behind before it is ended with
    ``SUBSCRIPTION_CLIENT_TOO_SLOW`` (Apollo Router's ``queue_capacity`` is 128 too)."""


class IncludeSubgraphErrors(BaseModel):
    """Apollo Router's ``include_subgraph_errors`` (``all`` and per-subgraph switches): true
    keeps what a subgraph's errors say, false replaces each message with
    ``Subgraph errors redacted`` (code, service and path stay)."""

    model_config = ConfigDict(extra="forbid")

    all: bool = False
    subgraphs: dict[str, bool] = Field(default_factory=dict)

    def includes(self, subgraph: str) -> bool:
        return self.subgraphs.get(subgraph, self.all)


# --- issue #18, "Requests" (batching, file uploads, supergraph polling) ---------------------


class BatchingConfig(BaseModel):
    """Client request batching, Apollo Router's ``batching`` section: a POST whose JSON body is
    an array of operations is answered by an array of responses in the same order
    (:mod:`router.http.batching`). Off by default, as in Apollo Router."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    mode: Literal["batch_http_link"] = "batch_http_link"
    """Apollo Client's ``BatchHttpLink`` format (the only mode Apollo Router has)."""
    maximum_size: int = Field(default=10, ge=1)
    """More operations in one batch: 422 ``BATCH_LIMIT_EXCEEDED`` (Apollo Router's answer)."""


class FileUploadsConfig(BaseModel):
    """The GraphQL multipart request spec (Apollo Router's ``preview_file_uploads`` with
    ``mode: stream``, :mod:`router.http.uploads`). Off by default, as in Apollo Router."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    max_file_size: int = Field(default=5_000_000, gt=0)
    """Bytes per file; a larger file is refused with 413 ``PAYLOAD_TOO_LARGE``."""
    max_files: int = Field(default=5, ge=1)
    max_operations_bytes: int = Field(default=1_000_000, gt=0)
    """The ``operations`` and ``map`` parts together (they are read before any file)."""


class SupergraphPollConfig(BaseModel):
    """``router --supergraph URL``: how often the URL is asked again (``If-None-Match``), as
    Apollo Router polls Uplink and Hive Gateway its ``pollingInterval``."""

    model_config = ConfigDict(extra="forbid")

    poll_interval_seconds: float = Field(default=10.0, gt=0)


class RouterConfig(BaseModel):
    """The whole router configuration."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["development", "production"] = "production"
    all_subgraphs: AllSubgraphs = Field(default_factory=AllSubgraphs)
    subgraphs: dict[str, SubgraphConfig] = Field(default_factory=dict)
    expose_query_plan: bool = True
    deduplicate_inbound: bool = False
    http: HttpConfig = Field(default_factory=HttpConfig)
    security: SecurityConfig = Field(default_factory=SecurityConfig)
    identity_forwarding: IdentityForwardingConfig = Field(default_factory=IdentityForwardingConfig)
    cors: CorsSettings = Field(default_factory=CorsSettings)
    client_address: ClientAddressSettings = Field(default_factory=ClientAddressSettings)
    traffic_shaping: TrafficShapingSettings = Field(default_factory=TrafficShapingSettings)
    subscriptions: SubscriptionSettings = Field(default_factory=SubscriptionSettings)
    response_cache: ResponseCacheSettings = Field(default_factory=ResponseCacheSettings)
    """Issue #17: the response and entity cache in Redis, its invalidation, plan warm-up."""
    # issue #18 (edge-trust): header rules both ways, trusted documents per client, redaction
    headers: HeadersSettings = Field(default_factory=HeadersSettings)
    persisted_queries: PersistedQueriesSettings = Field(default_factory=PersistedQueriesSettings)
    include_subgraph_errors: IncludeSubgraphErrors | None = None
    """``None``: the mode decides (development keeps subgraph error detail, production redacts
    it: :mod:`router.http.redaction`)."""
    batching: BatchingConfig = Field(default_factory=BatchingConfig)
    file_uploads: FileUploadsConfig = Field(default_factory=FileUploadsConfig)
    supergraph: SupergraphPollConfig = Field(default_factory=SupergraphPollConfig)
    override_labels: list[str] = Field(default_factory=list)
    """Progressive ``@override(label:)`` labels active for every request (any label;
    ``percent(N)`` labels not listed stay active for N % of requests)."""
    plugins: list[PluginSettings] = Field(default_factory=list)
    """Python plugins, in order (issue #18, :mod:`router.plugins`, docs/plugins.md)."""

    def subgraph_url(self, name: str, default: str) -> str:
        override = self.subgraphs.get(name)
        return override.url if override and override.url else default

    def subgraph_timeout(self, name: str) -> float:
        override = self.subgraphs.get(name)
        if override and override.timeout_seconds is not None:
            return override.timeout_seconds
        return self.all_subgraphs.timeout_seconds

    def subgraph_forwards_client_address(self, name: str) -> bool:
        override = self.subgraphs.get(name)
        if override and override.forward_client_address is not None:
            return override.forward_client_address
        return self.all_subgraphs.forward_client_address

    def subgraph_max_representations(self, name: str) -> int | None:
        """Issue #18: the ``_entities`` chunk size for ``name`` (None: unchunked)."""
        override = self.subgraphs.get(name)
        if override and override.max_representations_per_fetch is not None:
            return override.max_representations_per_fetch
        return self.all_subgraphs.max_representations_per_fetch

    def subgraph_headers(self, name: str) -> list[HeaderRule]:
        override = self.subgraphs.get(name)
        if override and override.headers is not None:
            return override.headers
        return self.all_subgraphs.headers


def load_config(path: Path | None) -> RouterConfig:
    """Read and validate a YAML config file; ``None`` gives the defaults."""
    if path is None:
        return RouterConfig()
    document = yaml.safe_load(path.read_text()) or {}
    return RouterConfig.model_validate(document)
