"""The web BFF process (port 4100): settings from ``BFF_WEB_*``, the app, ``main()``.

Web accepts free-form operations and Apollo's APQ (documents stored in Redis) besides its
manifest, as a browser app that ships new builds continuously does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic_settings import SettingsConfigDict

from bff.app import create_bff_app
from bff.manifests import load_manifest
from bff.persisted_http import PersistedPolicy
from bff.runtime import BffRuntime
from bff.settings import BFFSettings
from bff_web.loaders import web_specs
from bff_web.operations import DOCUMENT
from bff_web.schema import schema
from servicekit.serve import serve
from servicekit.telemetry import init_telemetry
from servicekit.topology import BFF_WEB_PORT
from servicekit.workers import supervise_if_asked, workers_option

__all__ = ["WebSettings", "create_app", "main"]


class WebSettings(BFFSettings):
    model_config = SettingsConfigDict(env_prefix="BFF_WEB_", extra="ignore")

    port: int = BFF_WEB_PORT
    manifest_path: Path | None = None


def create_app(settings: WebSettings | None = None) -> Any:
    settings = settings or WebSettings()

    def policy(runtime: BffRuntime) -> PersistedPolicy:
        return PersistedPolicy(
            manifest=load_manifest("web", settings.manifest_path),
            allow_freeform=True,
            apq_cache=runtime.cache,
            apq_ttl_seconds=settings.apq_ttl_seconds,
        )

    return create_bff_app(
        "web", schema, settings, web_specs(settings), policy, router_document=DOCUMENT
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Serve; ``--workers N`` (default ``$BFF_WEB_WORKERS``, else one per core in production mode)
    runs N processes on the port (issue #20, :mod:`servicekit.workers`)."""
    settings = WebSettings()
    workers = workers_option(argv, "BFF_WEB_WORKERS", development=settings.is_development)
    supervise_if_asked(workers, host=settings.host, port=settings.port, service="bff_web")
    telemetry = init_telemetry("bff_web", settings.log_level)
    serve(
        telemetry.wrap(create_app(settings)),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
    )


if __name__ == "__main__":
    main()
