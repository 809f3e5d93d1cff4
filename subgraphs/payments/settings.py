"""The payments subgraph's settings (``PAYMENTS_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from subgraphs.common.settings import SubgraphSettings

__all__ = ["Settings"]


class Settings(SubgraphSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENTS_", extra="ignore")

    decline_above_cents: int | None = Field(default=None, ge=0)
    """The demo provider declines a larger amount (``amount_too_large``); unset: no limit."""
