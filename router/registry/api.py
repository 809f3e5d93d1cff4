"""The API schema of a supergraph SDL, through ``router.supergraph``'s derivation.

The API schema is the supergraph minus the join/link machinery and every ``@inaccessible``
element (Apollo's ``toApiSchema``); the router serves exactly this schema, so the registry
compares the same thing clients see.
"""

from __future__ import annotations

from graphql import GraphQLError, GraphQLSchema, parse

from router.registry.sources import InputError
from router.supergraph.api_schema import build_api_schema
from router.supergraph.links import read_links

__all__ = ["api_schema"]


def api_schema(supergraph_sdl: str, source: str) -> GraphQLSchema:
    """The API schema, or :class:`InputError` naming ``source`` when the SDL is unusable."""
    try:
        document = parse(supergraph_sdl)
        return build_api_schema(document, read_links(document))
    except (GraphQLError, TypeError, ValueError) as error:
        raise InputError(f"{source}: not a usable supergraph: {error}") from error
