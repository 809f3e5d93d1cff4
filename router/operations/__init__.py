"""Operation handling before planning: parse/validate caching, operation selection, variable
coercion and introspection, all through graphql-core (never on the execution hot path)."""

from __future__ import annotations

from router.operations.documents import (
    OperationError,
    PreparedDocument,
    coerce_variables,
    prepare_document,
    select_operation,
)
from router.operations.introspection import execute_introspection
from router.operations.lru import LRUCache

__all__ = [
    "LRUCache",
    "OperationError",
    "PreparedDocument",
    "coerce_variables",
    "execute_introspection",
    "prepare_document",
    "select_operation",
]
