"""Operation handling before planning: the per-document stages (parse → limits → validate, with
the one-pass operation analysis), operation selection, variable coercion and introspection, all
through graphql-core (never on the execution hot path)."""

from __future__ import annotations

from router.operations.analysis import DocumentAnalysis, OperationAnalysis, analyze_document
from router.operations.documents import (
    DocumentRules,
    OperationError,
    PreparedDocument,
    coerce_variables,
    prepare_document,
    prepare_document_off_loop,
    select_operation,
)
from router.operations.introspection import execute_introspection
from router.operations.lru import LRUCache

__all__ = [
    "DocumentAnalysis",
    "DocumentRules",
    "LRUCache",
    "OperationAnalysis",
    "OperationError",
    "PreparedDocument",
    "analyze_document",
    "coerce_variables",
    "execute_introspection",
    "prepare_document",
    "prepare_document_off_loop",
    "select_operation",
]
