"""Supergraph SDL (link v1.0 + join v0.2-v0.5) -> a model of what each subgraph resolves.

``load_supergraph(sdl)`` gives a :class:`Supergraph` with the per-subgraph model the planner reads
and ``api_schema``, the schema clients validate and introspect against.
"""

from __future__ import annotations

from router.supergraph.loader import load_supergraph, parse_field_set
from router.supergraph.model import (
    ContextArgument,
    EnumValueDef,
    FieldDef,
    FieldInGraph,
    Graph,
    Key,
    Supergraph,
    SupergraphError,
    TypeDef,
    TypeInGraph,
)

__all__ = [
    "ContextArgument",
    "EnumValueDef",
    "FieldDef",
    "FieldInGraph",
    "Graph",
    "Key",
    "Supergraph",
    "SupergraphError",
    "TypeDef",
    "TypeInGraph",
    "load_supergraph",
    "parse_field_set",
]
