"""Load the configured plugins: resolve each factory (entry point or dotted path), call it with
the plugin's configuration, and refuse to start on any failure with a message naming the plugin
(a router silently running without its tenant guard would be worse than one that does not start).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from router.plugins.settings import ENTRY_POINT_GROUP, PluginSettings

__all__ = ["LoadedPlugin", "PluginLoadError", "load_plugins", "resolve_factory"]


class PluginLoadError(ValueError):
    """A configured plugin cannot be found, imported or built (a ValueError: the CLI answers
    it as any bad configuration, exit status 2 with the message)."""


@dataclass(frozen=True, slots=True)
class LoadedPlugin:
    label: str
    plugin: object


def resolve_factory(settings: PluginSettings) -> Callable[..., Any]:
    """The callable named by ``settings`` (a class or a function)."""
    if settings.name is not None:
        found = [e for e in entry_points(group=ENTRY_POINT_GROUP) if e.name == settings.name]
        if not found:
            raise PluginLoadError(
                f"plugin '{settings.name}': no entry point of that name in group "
                f"'{ENTRY_POINT_GROUP}' (is its distribution installed?)"
            )
        target: Any = found[0].load()
    else:
        path = settings.path or ""
        module_name, sep, attribute = path.partition(":")
        if not sep:
            module_name, _, attribute = path.rpartition(".")
        if not module_name or not attribute:
            raise PluginLoadError(f"plugin path '{path}' is not 'module:attribute'")
        module = importlib.import_module(module_name)
        target = module
        for part in attribute.split("."):
            target = getattr(target, part)
    if not callable(target):
        raise PluginLoadError(f"plugin '{settings.label}' is not callable: {target!r}")
    return target  # type: ignore[no-any-return]


def load_plugins(configured: Sequence[PluginSettings]) -> list[LoadedPlugin]:
    """Build every enabled plugin, in configuration order."""
    loaded: list[LoadedPlugin] = []
    for settings in configured:
        if not settings.enabled:
            continue
        try:
            plugin = resolve_factory(settings)(dict(settings.config))
        except PluginLoadError:
            raise
        except Exception as error:
            raise PluginLoadError(
                f"plugin '{settings.label}' could not be loaded: {type(error).__name__}: {error}"
            ) from error
        loaded.append(LoadedPlugin(settings.label, plugin))
    return loaded
