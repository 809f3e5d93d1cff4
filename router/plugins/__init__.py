"""The router's Python plugin API (issue #18, "Plugins"): hooks at six stages of a request
(:mod:`router.plugins.api`, typed Protocols), loaded from entry points or dotted paths in the
``plugins:`` configuration (:mod:`router.plugins.loader`), run by :mod:`router.plugins.chain`;
``@policy`` is decided by plugins (:mod:`router.plugins.policy`). See docs/plugins.md.
"""

from __future__ import annotations

from router.plugins.api import (
    ClientResponse,
    HttpRequest,
    OnOperation,
    OnPlan,
    OnRequest,
    OnResponse,
    OnSubgraphRequest,
    OnSubgraphResponse,
    Operation,
    PlanBuilt,
    Rejection,
    RequestContext,
    SubgraphRequest,
    SubgraphResponse,
)
from router.plugins.chain import PluginChain, PluginRefusal, PluginRun, current_run
from router.plugins.loader import PluginLoadError, load_plugins
from router.plugins.policy import REQUIRED_POLICIES_KEY
from router.plugins.settings import ENTRY_POINT_GROUP, PluginSettings

__all__ = [
    "ENTRY_POINT_GROUP",
    "REQUIRED_POLICIES_KEY",
    "ClientResponse",
    "HttpRequest",
    "OnOperation",
    "OnPlan",
    "OnRequest",
    "OnResponse",
    "OnSubgraphRequest",
    "OnSubgraphResponse",
    "Operation",
    "PlanBuilt",
    "PluginChain",
    "PluginLoadError",
    "PluginRefusal",
    "PluginRun",
    "PluginSettings",
    "Rejection",
    "RequestContext",
    "SubgraphRequest",
    "SubgraphResponse",
    "current_run",
    "load_plugins",
]
