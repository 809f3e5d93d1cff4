"""Composition: Federation 2 subgraph SDLs -> the standard supergraph SDL, with Apollo's codes.

``compose()`` returns a :class:`CompositionResult` (never raises); ``api_schema_sdl()`` derives
the API schema clients see from a supergraph SDL.
"""

from __future__ import annotations

from router.composition.compose import CompositionResult, SubgraphInput, compose
from router.composition.errors import CompositionError

__all__ = ["CompositionError", "CompositionResult", "SubgraphInput", "compose"]
