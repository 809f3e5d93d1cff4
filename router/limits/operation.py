"""Picking the executed operation and its fragments out of a parsed document, for the limit and
authorization walks (GraphQL spec, "GetOperation" in section 6.1: the named operation, or the only
one when no name is given)."""

from __future__ import annotations

from graphql import DocumentNode, FragmentDefinitionNode, OperationDefinitionNode

__all__ = ["fragment_definitions", "select_operation"]


def select_operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    """The operation to run, or None when the name matches nothing or is ambiguous (validation
    reports that; the limits then have nothing to measure)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == operation_name), None)


def fragment_definitions(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
