"""The operation limits as checks over measured numbers, cheapest first.

:func:`check_text` runs on the raw text (its UTF-8 size; the token limit is graphql-core's
``parse(max_tokens=...)``), :func:`check_structure` on the operation analysis before validation
(root fields, aliases, depth, variables, field-merging comparisons: all counted in one linear
pass, so a huge or quadratic document is refused before graphql-core's validation spends seconds
on it), :func:`check_cost` per request (demand control: the estimate may depend on variables).
The first violation wins. With ``cost_mode: measure`` (Apollo's demand-control *measure* mode)
an over-budget estimate is reported in :attr:`LimitReport.estimated_cost` but does not refuse.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from router.limits.cost import CostDirectiveError, CostTree
from router.limits.errors import (
    COST_ESTIMATED_TOO_EXPENSIVE,
    COST_QUERY_PARSE_FAILURE,
    MAX_ALIASES_EXCEEDED,
    MAX_DEPTH_EXCEEDED,
    MAX_DOCUMENT_SIZE_EXCEEDED,
    MAX_MERGE_COMPARISONS_EXCEEDED,
    MAX_ROOT_FIELDS_EXCEEDED,
    MAX_TOKENS_EXCEEDED,
    MAX_VARIABLES_EXCEEDED,
    LimitExceeded,
)
from router.limits.settings import LimitsSettings

__all__ = [
    "LimitReport",
    "OperationMeasures",
    "check_cost",
    "check_structure",
    "check_text",
    "tokens_exceeded",
]


class OperationMeasures(Protocol):
    """What :class:`router.operations.analysis.OperationAnalysis` measured."""

    @property
    def depth(self) -> int: ...
    @property
    def aliases(self) -> int: ...
    @property
    def root_fields(self) -> int: ...
    @property
    def variable_definitions(self) -> int: ...


@dataclass(frozen=True, slots=True)
class LimitReport:
    """``violation`` is None when the operation may run; the cost is None when not estimated."""

    violation: LimitExceeded | None
    estimated_cost: float | None


def _over(code: str, message: str, measured: int, limit: int) -> LimitExceeded:
    text = message.format(measured=measured, limit=limit)
    return LimitExceeded(code, text, measured, limit)


def check_text(query: str, settings: LimitsSettings) -> LimitExceeded | None:
    """The document's size, before the lexer sees it (``len`` first: UTF-8 is at most 4x)."""
    limit = settings.max_document_bytes
    if len(query) <= limit // 4:
        return None
    size = len(query.encode("utf-8", "surrogatepass"))
    if size <= limit:
        return None
    message = "The document has {measured} bytes, more than the limit {limit}."
    return _over(MAX_DOCUMENT_SIZE_EXCEEDED, message, size, limit)


def tokens_exceeded(settings: LimitsSettings) -> LimitExceeded:
    """graphql-core stopped parsing at ``max_tokens`` (the count past it is unknown)."""
    limit = settings.max_tokens
    message = f"The document has more than {limit} tokens, the limit."
    return LimitExceeded(MAX_TOKENS_EXCEEDED, message, None, limit)


def check_structure(
    operations: Iterable[OperationMeasures], merge_comparisons: int, settings: LimitsSettings
) -> LimitExceeded | None:
    """Every operation of the document within the structural limits (before validation, the
    executed one is not known yet: any operation over a limit refuses the document)."""
    for operation in operations:
        for code, message, measured, limit in (
            (
                MAX_ROOT_FIELDS_EXCEEDED,
                "The operation selects {measured} root fields, more than the limit {limit}.",
                operation.root_fields,
                settings.max_root_fields,
            ),
            (
                MAX_ALIASES_EXCEEDED,
                "The operation uses {measured} aliases, more than the limit {limit}.",
                operation.aliases,
                settings.max_aliases,
            ),
            (
                MAX_DEPTH_EXCEEDED,
                "The operation has depth {measured}, more than the limit {limit}.",
                operation.depth,
                settings.max_depth,
            ),
            (
                MAX_VARIABLES_EXCEEDED,
                "The operation defines {measured} variables, more than the limit {limit}.",
                operation.variable_definitions,
                settings.max_variables,
            ),
        ):
            if measured > limit:
                return _over(code, message, measured, limit)
    if merge_comparisons > settings.max_merge_comparisons:
        return _over(
            MAX_MERGE_COMPARISONS_EXCEEDED,
            "Validating the document's field merging takes {measured} comparisons, more than the "
            "limit {limit} (repeated fields or fragment spreads in one selection set).",
            merge_comparisons,
            settings.max_merge_comparisons,
        )
    return None


def check_cost(
    cost: CostTree, variables: Mapping[str, Any] | None, settings: LimitsSettings
) -> LimitReport:
    """Demand control for one request (variables may size lists)."""
    try:
        estimate = cost.estimate(variables, default_list_size=settings.default_list_size)
    except CostDirectiveError as error:
        return LimitReport(LimitExceeded(COST_QUERY_PARSE_FAILURE, str(error), None, None), None)
    if estimate <= settings.max_cost or settings.cost_mode == "measure":
        return LimitReport(None, estimate)
    message = (
        f"The estimated cost of the operation ({estimate:g}) is more than the limit "
        f"({settings.max_cost:g})."
    )
    return LimitReport(
        LimitExceeded(COST_ESTIMATED_TOO_EXPENSIVE, message, estimate, settings.max_cost), estimate
    )
