"""Schema extensions both BFFs install: parsed and validated documents cached by text.

The clients send a small, fixed set of documents (persisted operations), so re-parsing and
re-validating them on every request was most of a warm request's CPU (measured with cProfile:
graphql-core's visitor dominated). Strawberry keeps these bounded LRU caches at module level, so
the per-request extension instances the factories build all share them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache

from bff.suggestions import HideSuggestionsInProduction
from bff.telemetry import ScreenTelemetry

__all__ = ["bff_extensions"]


def bff_extensions(maxsize: int = 512) -> list[Callable[[], SchemaExtension]]:
    return [
        partial(ParserCache, maxsize=maxsize),
        partial(ValidationCache, maxsize=maxsize),
        HideSuggestionsInProduction,
        ScreenTelemetry,  # issue #13: screen metrics and span
    ]
