"""The router's configuration for one run: ``config/router.dev.yaml`` with the URLs taken from
the run's port map, written into the data folder (the committed file holds the default ports
and no secret; the secret reaches the router through ``IDENTITY_HMAC_SECRET``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

__all__ = ["render_router_config"]

_HEADER = "# Written by `stack up` from {template} for this run's ports; edit the template.\n"


def render_router_config(
    template: Path, target: Path, *, accounts_base: str, jwks_path: str
) -> Path:
    """``template`` with ``security.jwt.jwks_url`` at ``accounts_base`` (when JWT is on)."""
    document: dict[str, Any] = yaml.safe_load(template.read_text()) or {}
    jwt: Mapping[str, Any] | None = (document.get("security") or {}).get("jwt")
    if jwt is not None and jwt.get("enabled"):
        document["security"]["jwt"] = {**jwt, "jwks_url": accounts_base + jwks_path}
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        _HEADER.format(template=template.name) + yaml.safe_dump(document, sort_keys=False)
    )
    return target
