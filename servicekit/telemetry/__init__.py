"""Telemetry for every service, set up with one call: JSON logs with trace ids, Prometheus
``/metrics``, OpenTelemetry traces over OTLP when an endpoint is configured.

    telemetry = init_telemetry("router", log_level)   # first thing in main()
    serve(telemetry.wrap(app), ...)                    # the ASGI app, instrumented

Service packages add their own metrics and spans through small modules of their own
(``router/telemetry.py``, ``bff/telemetry.py``, ``subgraphs/common/telemetry.py``) built on
:mod:`servicekit.telemetry.metrics` and :mod:`servicekit.telemetry.tracing`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from servicekit.logging import configure_logging
from servicekit.telemetry import metrics, tracing
from servicekit.telemetry.middleware import TelemetryMiddleware
from servicekit.telemetry.settings import TelemetrySettings

__all__ = ["FASTAPI_TELEMETRY", "Telemetry", "init_telemetry"]

FASTAPI_TELEMETRY: dict[str, Any] = {"tracing": False, "metrics": False, "logs": False}
"""``FastAPI(telemetry=...)``: FastAPI's own request spans off. :meth:`Telemetry.wrap` puts the
telemetry middleware outermost instead, and it opens the server span, so every middleware, the
access log line and the handler share one server span (FastAPI's starts inside the app)."""


@dataclass(frozen=True, slots=True)
class Telemetry:
    service: str
    settings: TelemetrySettings
    tracing: bool

    def wrap(self, app: Any) -> Any:
        """``app`` behind the telemetry middleware (``/metrics``, the access log, and when
        tracing is on the server span continuing the caller's W3C trace context)."""
        wrapped: Any = TelemetryMiddleware(
            app, serve_metrics=self.settings.metrics, access_log=self.settings.access_log
        )
        for attribute in ("state", "router"):  # tests and tools reach app.state through it
            if hasattr(app, attribute):
                setattr(wrapped, attribute, getattr(app, attribute))
        return wrapped


def init_telemetry(
    service: str, log_level: str = "info", settings: TelemetrySettings | None = None
) -> Telemetry:
    """Configure logs, metrics and tracing for this process; call once, before building the app
    (the SQLAlchemy and HTTP client instrumentation look at the tracing switch)."""
    settings = settings or TelemetrySettings()
    configure_logging(service, log_level)
    metrics.set_enabled(settings.metrics)
    traced = tracing.configure_tracing(service, settings.service_version)
    return Telemetry(service, settings, traced)
