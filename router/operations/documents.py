"""Parse and validate a request's document, pick its operation, coerce its variables.

Implements the spec's "Validation" (graphql-core's rules against the API schema), "GetOperation"
and "CoerceVariableValues". Failures are request errors with Apollo's codes
(``GRAPHQL_PARSE_FAILED``, ``GRAPHQL_VALIDATION_FAILED``, ``BAD_USER_INPUT``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    print_ast,
    validate,
)
from graphql.execution.values import get_variable_values

from router.request import graphql_error

__all__ = [
    "OperationError",
    "PreparedDocument",
    "coerce_variables",
    "prepare_document",
    "select_operation",
]


class OperationError(Exception):
    """A request error: the response has no ``data``."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"] if errors else "request error")
        self.errors = errors


def _error_dicts(errors: list[GraphQLError], code: str) -> list[dict[str, Any]]:
    out = []
    for error in errors:
        locations = [{"line": loc.line, "column": loc.column} for loc in error.locations or ()]
        out.append(graphql_error(error.message, code, locations=locations))
    return out


@dataclass(slots=True)
class PreparedDocument:
    """A parsed and validated document (or its request errors), cached by query text."""

    document: DocumentNode | None
    errors: list[dict[str, Any]]
    signature: str = ""
    """A normalized signature: the SHA-256 of the printed document (formatting, comments gone)."""
    fragments: dict[str, FragmentDefinitionNode] = field(default_factory=dict)
    per_operation: dict[str | None, Any] = field(default_factory=dict)
    """Per operation name: whatever the gateway compiles once (the shaper)."""


def prepare_document(schema: GraphQLSchema, query: str) -> PreparedDocument:
    """Parse and validate ``query``; errors are kept so a bad query is rejected from cache."""
    try:
        document = parse(query, no_location=False)
    except GraphQLError as error:
        return PreparedDocument(None, _error_dicts([error], "GRAPHQL_PARSE_FAILED"))
    errors = validate(schema, document)
    if errors:
        return PreparedDocument(None, _error_dicts(errors, "GRAPHQL_VALIDATION_FAILED"))
    signature = hashlib.sha256(print_ast(document).encode()).hexdigest()
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return PreparedDocument(document, [], signature, fragments)


def select_operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode:
    """Spec "GetOperation": the named operation, or the only one."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if not name:  # absent or "" (some clients send an empty operationName)
        if len(operations) == 1:
            return operations[0]
        message = "Must provide operation name if query contains multiple operations."
        raise OperationError([graphql_error(message, "GRAPHQL_VALIDATION_FAILED")])
    for operation in operations:
        if operation.name is not None and operation.name.value == name:
            return operation
    message = f'Unknown operation named "{name}".'
    raise OperationError([graphql_error(message, "GRAPHQL_VALIDATION_FAILED")])


def coerce_variables(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    inputs: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Spec "CoerceVariableValues"; defaults applied, errors as ``BAD_USER_INPUT``."""
    if inputs is not None and not isinstance(inputs, Mapping):
        message = "Variables must be provided as a JSON object."
        raise OperationError([graphql_error(message, "BAD_USER_INPUT")])
    result = get_variable_values(schema, operation.variable_definitions or (), dict(inputs or {}))
    if isinstance(result, list):
        raise OperationError(_error_dicts(result, "BAD_USER_INPUT"))
    return result
