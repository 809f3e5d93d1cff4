"""The ``plugins:`` section of the router's YAML: which plugins to load, in order, each with its
own configuration (handed to the plugin's factory as it is; the plugin validates it).

A plugin is named by an entry point of the ``router.plugins`` group (``name:``, as an installed
distribution declares it: ``[project.entry-points."router.plugins"]``) or by a dotted path
(``path: package.module:attribute`` or ``package.module.attribute``), like Apollo Router's
``plugins:`` map keyed by registered plugin names.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["ENTRY_POINT_GROUP", "PluginSettings"]

ENTRY_POINT_GROUP = "router.plugins"


class PluginSettings(BaseModel):
    """One plugin: exactly one of ``name`` (entry point) or ``path`` (dotted path)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    path: str | None = None
    enabled: bool = True
    config: dict[str, Any] = Field(default_factory=dict)
    """Passed to the factory: ``factory(config)``."""

    @model_validator(mode="after")
    def _one_source(self) -> PluginSettings:
        if (self.name is None) == (self.path is None):
            raise ValueError("a plugin needs exactly one of 'name' (entry point) or 'path'")
        return self

    @property
    def label(self) -> str:
        """How logs and errors name it: the entry point name, else the path."""
        return self.name or self.path or "?"
