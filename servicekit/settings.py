"""The settings every service reads from its environment (pydantic-settings).

Each service subclasses :class:`ServiceSettings` with its own ``env_prefix`` (``ROUTER_``,
``BFF_WEB_``, ``ACCOUNTS_`` ...), so one environment can configure the whole system.
"""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Mode", "ServiceSettings"]

Mode = Literal["development", "production"]


class ServiceSettings(BaseSettings):
    """Host, port, mode, log level and Redis URL: what every process needs to start."""

    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    host: str = "127.0.0.1"
    port: int = 0
    mode: Mode = "development"
    log_level: str = "info"
    redis_url: str = "redis://127.0.0.1:6379/0"

    @property
    def is_development(self) -> bool:
        return self.mode == "development"
