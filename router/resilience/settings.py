"""Configuration of subgraph resilience (``security.resilience``) and of the per-request deadline
(``traffic_shaping.router``): pydantic models with safe defaults, beside the package they
configure.

The breaker opens on a failure *ratio* once the window holds ``minimum_requests`` outcomes (the
high-volume rule), or after ``consecutive_failures`` failures in a row whatever the volume (the
low-volume rule: a hung subgraph behind a quiet router must not take 20 timed-out requests to be
noticed). Timeouts are failures. ``traffic_shaping.router.timeout_seconds`` bounds a whole request
(Apollo Router's ``traffic_shaping.router.timeout``, 30 s by default there too): past it the client
gets ``GATEWAY_TIMEOUT``, however many sequential fetches the plan still had.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BreakerSettings",
    "ConcurrencySettings",
    "ResilienceSettings",
    "RetrySettings",
    "RouterTrafficSettings",
    "TrafficShapingSettings",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BreakerSettings(_Strict):
    """A circuit breaker per subgraph."""

    enabled: bool = True
    window_seconds: float = Field(default=10.0, gt=0)
    minimum_requests: int = Field(default=20, ge=1)
    failure_ratio: float = Field(default=0.5, gt=0, le=1)
    consecutive_failures: int = Field(default=5, ge=0)
    """Open after this many failures in a row, at any volume; 0 turns the rule off."""
    open_seconds: float = Field(default=5.0, gt=0)
    half_open_probes: int = Field(default=1, ge=1)


class RetrySettings(_Strict):
    """Retries of failed subgraph fetches, for queries only (never of a read timeout)."""

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


class RouterTrafficSettings(_Strict):
    """The client-facing side: one deadline for the whole request."""

    timeout_seconds: float | None = Field(default=30.0, gt=0)
    """``None``: no overall deadline (each subgraph fetch still has its own timeout)."""


class TrafficShapingSettings(_Strict):
    """Apollo Router's ``traffic_shaping`` section (its ``router`` part; per-subgraph timeouts
    are ``all_subgraphs.timeout_seconds`` / ``subgraphs.<name>.timeout_seconds``)."""

    router: RouterTrafficSettings = Field(default_factory=RouterTrafficSettings)
