"""The mobile BFF process (port 4200): settings from ``BFF_MOBILE_*``, the app, ``main()``.

In production it runs only the operations of its manifest (``schema/persisted/mobile.json``), by
hash; anything else is ``PERSISTED_QUERY_NOT_IN_LIST``. Development mode also takes free-form
operations and APQ, so app developers can iterate before regenerating the manifest.
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
from bff_mobile.loaders import mobile_specs
from bff_mobile.operations import DOCUMENT
from bff_mobile.schema import schema
from servicekit.serve import serve
from servicekit.telemetry import init_telemetry
from servicekit.topology import BFF_MOBILE_PORT
from servicekit.workers import supervise_if_asked, workers_option

__all__ = ["MobileSettings", "create_app", "main"]


class MobileSettings(BFFSettings):
    model_config = SettingsConfigDict(env_prefix="BFF_MOBILE_", extra="ignore")

    port: int = BFF_MOBILE_PORT
    manifest_path: Path | None = None


def create_app(settings: MobileSettings | None = None) -> Any:
    settings = settings or MobileSettings()

    def policy(runtime: BffRuntime) -> PersistedPolicy:
        development = settings.is_development
        return PersistedPolicy(
            manifest=load_manifest("mobile", settings.manifest_path),
            allow_freeform=development,
            apq_cache=runtime.cache if development else None,
            apq_ttl_seconds=settings.apq_ttl_seconds,
        )

    return create_bff_app(
        "mobile", schema, settings, mobile_specs(settings), policy, router_document=DOCUMENT
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Serve; ``--workers N`` (default ``$BFF_MOBILE_WORKERS``, else one per core in production mode)
    runs N processes on the port (issue #20, :mod:`servicekit.workers`)."""
    settings = MobileSettings()
    workers = workers_option(argv, "BFF_MOBILE_WORKERS", development=settings.is_development)
    supervise_if_asked(workers, host=settings.host, port=settings.port, service="bff_mobile")
    telemetry = init_telemetry("bff_mobile", settings.log_level)
    serve(
        telemetry.wrap(create_app(settings)),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
    )


if __name__ == "__main__":
    main()
