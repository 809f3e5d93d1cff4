"""A request's document, prepared once per distinct text: scan → parse → limits → validate.

The cheap checks run first and each is bounded by the limit, not by the input: the text's size,
then the :mod:`pre-scan <router.limits.scan>` (tokens counted by a regular expression that stops
at ``max_tokens``, and lower bounds of the structural limits on those tokens), so a refused
document costs about a millisecond of CPU whatever its size; then graphql-core's parser (with
its own ``max_tokens`` as a backstop), the structural limits over the one-pass
:mod:`operation analysis <router.operations.analysis>`, and only a document within every limit
reaches graphql-core's validation (spec "Validation"), whose field-merging rule is quadratic.
:func:`prepare_document_off_loop` runs the parse-and-validate part of a larger document in a
worker thread, so the event loop keeps serving other requests meanwhile (issue #11). Then, per
request, "GetOperation" and "CoerceVariableValues". Failures are request errors with Apollo's
codes (``GRAPHQL_PARSE_FAILED``, ``GRAPHQL_VALIDATION_FAILED``, ``BAD_USER_INPUT``) or the limit's.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    get_operation_ast,
    parse,
    print_ast,
    validate,
)
from graphql.execution.values import get_variable_values

from router.limits.checks import check_structure, check_text, tokens_exceeded
from router.limits.cost_directives import CostDirectives
from router.limits.scan import check_scan
from router.limits.settings import LimitsSettings
from router.operations.analysis import DocumentAnalysis, analyze_document
from router.request import GraphQLResponse, graphql_error
from router.security.authorization_rules import AuthorizationRules

__all__ = [
    "DocumentRules",
    "OperationError",
    "PreparedDocument",
    "coerce_variables",
    "prepare_document",
    "prepare_document_off_loop",
    "select_operation",
]


class OperationError(Exception):
    """A request error: the response has no ``data`` (``status_hint`` when the core insists)."""

    def __init__(self, errors: list[dict[str, Any]], status_hint: int | None = None) -> None:
        super().__init__(errors[0]["message"] if errors else "request error")
        self.errors = errors
        self.status_hint = status_hint

    @classmethod
    def of(cls, response: GraphQLResponse) -> OperationError:
        return cls(response.errors, response.status_hint)

    def to_response(self) -> GraphQLResponse:
        return GraphQLResponse(errors=self.errors, has_data=False, status_hint=self.status_hint)


def _error_dicts(errors: list[GraphQLError], code: str) -> list[dict[str, Any]]:
    out = []
    for error in errors:
        locations = [{"line": loc.line, "column": loc.column} for loc in error.locations or ()]
        out.append(graphql_error(error.message, code, locations=locations))
    return out


@dataclass(frozen=True, slots=True)
class DocumentRules:
    """What preparing a document needs besides its text; fixed per supergraph."""

    schema: GraphQLSchema
    limits: LimitsSettings
    authorization: AuthorizationRules
    cost_directives: CostDirectives

    @classmethod
    def for_schema(cls, schema: GraphQLSchema) -> DocumentRules:
        """Default limits, no authorization or cost directives (tests, tools)."""
        return cls(schema, LimitsSettings(), AuthorizationRules(), CostDirectives())


@dataclass(slots=True)
class PreparedDocument:
    """A parsed, analysed and validated document (or its request errors), cached by its text."""

    document: DocumentNode | None
    errors: list[dict[str, Any]]
    analysis: DocumentAnalysis | None = None
    signature: str = ""
    """A normalized signature: the SHA-256 of the printed document (formatting, comments gone)."""
    fragments: dict[str, FragmentDefinitionNode] = field(default_factory=dict)
    per_operation: dict[str | None, Any] = field(default_factory=dict)
    """Per operation name: whatever the gateway compiles once (the shaper)."""
    size: int = 0
    """Approximate bytes this entry holds (the document cache is bounded by their sum)."""


def _refused(errors: list[dict[str, Any]], query: str) -> PreparedDocument:
    return PreparedDocument(None, errors, size=sys.getsizeof(query) + 512)


INLINE_MAX_BYTES = 512
"""Documents up to this size are prepared on the event loop (under a millisecond or two of
CPU); larger ones in a worker thread (:func:`prepare_document_off_loop`)."""


def _cheap_refusal(rules: DocumentRules, query: str) -> PreparedDocument | None:
    """The size, then the pre-scan: bounded by the limits, whatever the document's size."""
    violation = check_text(query, rules.limits) or check_scan(query, rules.limits)
    return None if violation is None else _refused([violation.to_graphql_error()], query)


def prepare_document(rules: DocumentRules, query: str) -> PreparedDocument:
    """Scan → parse → limits → validate ``query``; errors are kept so a bad query is refused
    from cache."""
    refused = _cheap_refusal(rules, query)
    return refused if refused is not None else _parse_and_validate(rules, query)


async def prepare_document_off_loop(rules: DocumentRules, query: str) -> PreparedDocument:
    """:func:`prepare_document`, with the parse and validation of a document over
    :data:`INLINE_MAX_BYTES` in a worker thread: a document within the limits still costs
    10-20 ms of CPU there, and on the loop every concurrent request would wait for it. The
    thread holds the GIL for at most ``sys.getswitchinterval()`` (5 ms) at a time while the loop
    has work. The cheap refusals stay on the loop (a thread hand-off costs more than they do).
    Measured in-process with two clients sending the worst accepted documents: a 1 ms ticker's
    CPU-time lag p50 43 ms with preparation on the loop, 3-4 ms in the worker."""
    refused = _cheap_refusal(rules, query)
    if refused is not None:
        return refused
    if len(query) <= INLINE_MAX_BYTES:
        return _parse_and_validate(rules, query)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_preparer(), _parse_and_validate, rules, query)


@functools.cache
def _preparer() -> ThreadPoolExecutor:
    """One worker: under the GIL more threads add no throughput, and each CPU-bound thread is
    one more the loop may wait behind (a switch interval each) before it runs again."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="prepare-document")


def _parse_and_validate(rules: DocumentRules, query: str) -> PreparedDocument:
    settings = rules.limits
    try:
        document = parse(query, no_location=False, max_tokens=settings.max_tokens)
    except GraphQLError as error:
        if "tokens" in error.message and "Parsing aborted" in error.message:
            return _refused([tokens_exceeded(settings).to_graphql_error()], query)
        return _refused(_error_dicts([error], "GRAPHQL_PARSE_FAILED"), query)
    analysis = analyze_document(
        rules.schema, document, rules=rules.authorization, directives=rules.cost_directives
    )
    violation = check_structure(analysis.operations, analysis.merge_comparisons, settings)
    if violation is not None:
        return _refused([violation.to_graphql_error()], query)
    errors = validate(rules.schema, document)
    if errors:
        return _refused(_error_dicts(errors, "GRAPHQL_VALIDATION_FAILED"), query)
    printed = print_ast(document)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    signature = hashlib.sha256(printed.encode()).hexdigest()
    # the syntax tree and the compiled per-operation state weigh a few times the printed text
    size = sys.getsizeof(query) + 8 * len(printed) + 4096
    return PreparedDocument(document, [], analysis, signature, fragments, size=size)


def select_operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode:
    """Spec "GetOperation": the named operation, or the only one."""
    operation = get_operation_ast(document, name or None)  # some clients send ""
    if operation is not None:
        return operation
    if not name:
        message = "Must provide operation name if query contains multiple operations."
    else:
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
