"""Configuration of subgraph resilience (``security.resilience`` in the router's YAML): one
circuit breaker, retry policy and concurrency bound per subgraph (:mod:`router.resilience`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["BreakerSettings", "ConcurrencySettings", "ResilienceSettings", "RetrySettings"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BreakerSettings(_Strict):
    """A circuit breaker per subgraph."""

    enabled: bool = True
    window_seconds: float = Field(default=10.0, gt=0)
    minimum_requests: int = Field(default=20, ge=1)
    failure_ratio: float = Field(default=0.5, gt=0, le=1)
    open_seconds: float = Field(default=5.0, gt=0)
    half_open_probes: int = Field(default=1, ge=1)


class RetrySettings(_Strict):
    """Retries of failed subgraph fetches, for queries only."""

    max_attempts: int = Field(default=2, ge=1)
    base_delay_seconds: float = Field(default=0.05, ge=0)
    max_delay_seconds: float = Field(default=1.0, ge=0)


class ConcurrencySettings(_Strict):
    """In-flight requests per subgraph, and how long a request may wait for a slot."""

    max_in_flight: int = Field(default=128, ge=1)
    queue_timeout_seconds: float = Field(default=1.0, gt=0)


class ResilienceSettings(_Strict):
    breaker: BreakerSettings = Field(default_factory=BreakerSettings)
    retry: RetrySettings = Field(default_factory=RetrySettings)
    concurrency: ConcurrencySettings = Field(default_factory=ConcurrencySettings)
