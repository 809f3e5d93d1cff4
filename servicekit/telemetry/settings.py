"""Telemetry switches, read from the environment like every other setting.

Traces follow the OpenTelemetry SDK's own variables (``OTEL_EXPORTER_OTLP_ENDPOINT``,
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``, ``OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL``,
``OTEL_TRACES_EXPORTER``, ``OTEL_SDK_DISABLED``; see the SDK's "Environment Variable
Specification"): no endpoint, no exporter, and the API's no-op tracer stays in place. Metrics and
the access log are ours (``TELEMETRY_*``) and on by default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["TelemetrySettings", "trace_protocol", "traces_configured"]


class TelemetrySettings(BaseSettings):
    """``TELEMETRY_METRICS=false`` drops ``/metrics`` and every metric update;
    ``TELEMETRY_ACCESS_LOG=false`` drops the per-request access line."""

    model_config = SettingsConfigDict(env_prefix="TELEMETRY_", extra="ignore")

    metrics: bool = True
    access_log: bool = True
    service_version: str = "0.1.0"


def traces_configured(environ: Mapping[str, str] | None = None) -> bool:
    """Whether an OTLP trace endpoint is set and tracing is not switched off."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if env.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() in ("none", ""):
        return False
    return bool(
        env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    )


def trace_protocol(environ: Mapping[str, str] | None = None) -> str:
    """``http/protobuf`` (the SDK's default) or ``grpc``."""
    env = os.environ if environ is None else environ
    value = env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"
    )
    return value.strip().lower()
