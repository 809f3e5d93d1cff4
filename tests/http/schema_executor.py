"""A small real executor over graphql-core, for testing the HTTP layer in process.

It honours the :class:`router.request` contract the way the gateway does: request errors (parse,
validation, variable coercion, an operation type not allowed, e.g. a mutation over GET with
``status_hint=405``) come back as responses without data; ``include_plan`` adds
``extensions.apolloQueryPlan`` (a one-fetch plan, printed like Apollo's).
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLError,
    OperationDefinitionNode,
    build_schema,
    execute,
    get_operation_ast,
    parse,
    print_ast,
    validate,
)
from graphql.execution.values import get_variable_values

from router.request import GraphQLRequest, GraphQLResponse, graphql_error

__all__ = ["SDL", "SchemaExecutor"]

SDL = """
type Query {
  hello(name: String = "world"): String!
  header(name: String!): String
  fails: String
}

type Mutation {
  shout(text: String!): String!
}
"""


def _locations(error: GraphQLError) -> list[dict[str, int]] | None:
    if not error.locations:
        return None
    return [{"line": loc.line, "column": loc.column} for loc in error.locations]


def _errors(errors: list[GraphQLError], code: str) -> list[dict[str, Any]]:
    return [graphql_error(e.message, code, locations=_locations(e)) for e in errors]


class _Root:
    def __init__(self, request: GraphQLRequest) -> None:
        self.request = request

    def hello(self, _info: Any, name: str) -> str:
        return f"Hello, {name}!"

    def header(self, _info: Any, name: str) -> str | None:
        return self.request.headers.get(name)

    def fails(self, _info: Any) -> str:
        raise ValueError("this field always fails")

    def shout(self, _info: Any, text: str) -> str:
        return text.upper()


def _plan_text(operation: OperationDefinitionNode) -> str:
    selection = print_ast(operation.selection_set).replace("\n", "\n    ")
    return f'QueryPlan {{\n  Fetch(service: "local") {{\n    {selection}\n  }},\n}}'


class SchemaExecutor:
    """Parses, validates and executes against :data:`SDL`; counts the requests it ran."""

    def __init__(self) -> None:
        self.schema = build_schema(SDL)
        self.requests: list[GraphQLRequest] = []

    async def execute(self, request: GraphQLRequest) -> GraphQLResponse:
        self.requests.append(request)
        try:
            document = parse(request.query)
        except GraphQLError as error:
            return GraphQLResponse(errors=_errors([error], "GRAPHQL_PARSE_FAILED"), has_data=False)
        validation_errors = validate(self.schema, document)
        if validation_errors:
            return GraphQLResponse(
                errors=_errors(validation_errors, "GRAPHQL_VALIDATION_FAILED"), has_data=False
            )
        operation = get_operation_ast(document, request.operation_name)
        if operation is None:
            return GraphQLResponse.request_error("Unknown operation", "GRAPHQL_VALIDATION_FAILED")
        kind = operation.operation.value
        if kind not in request.allowed_operation_types:
            return GraphQLResponse.request_error(
                f"Operation type {kind} is not allowed over GET",
                "METHOD_NOT_ALLOWED",
                status_hint=405,
            )
        coerced = get_variable_values(
            self.schema, operation.variable_definitions or (), dict(request.variables or {})
        )
        if isinstance(coerced, list):
            return GraphQLResponse(errors=_errors(coerced, "BAD_USER_INPUT"), has_data=False)
        result = execute(
            self.schema,
            document,
            root_value=_Root(request),
            variable_values=coerced,
            operation_name=request.operation_name,
        )
        if not isinstance(result.data, dict | None):
            raise TypeError("synchronous schema expected")
        errors = [
            graphql_error(e.message, "INTERNAL_SERVER_ERROR", locations=_locations(e), path=e.path)
            for e in result.errors or []
        ]
        extensions = {}
        if request.include_plan:
            extensions["apolloQueryPlan"] = {"text": _plan_text(operation)}
        return GraphQLResponse(data=result.data, errors=errors, extensions=extensions)
