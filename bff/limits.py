"""Operation limits of the BFFs, checked before validation and execution (issue #11).

The same limits as the router, with its defaults and error codes: the document's size in bytes
(before the lexer), its tokens (graphql-core's ``parse(max_tokens=...)`` stops at the first token
past the limit), then over the parsed document in one linear walk (fragments memoized, cycles
counted as empty, so it is safe before validation): root fields, aliases and depth of each
operation (fragments expanded where spread, introspection one level as in the router), and the
comparisons graphql-core's OverlappingFieldsCanBeMerged rule (spec section 5.3.2) would make,
which is quadratic in fields sharing a response key: 500 copies of one field held the loop for
3.7 s. Only a document within every limit reaches Strawberry's validation. An operation over a
limit is refused with status 400 and one error whose ``extensions`` carry the code, the measured
value and the limit. Verdicts are memoized by the document's hash, so a screen's fixed documents
are measured once.
"""

from __future__ import annotations

import hashlib
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["LimitViolation", "OperationLimits", "OperationLimitsSettings", "Shape", "measure"]

_INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


class OperationLimitsSettings(BaseModel):
    """The router's defaults (``router/limits/settings.py``, Apollo Router's where it has one)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_depth: int = Field(default=12, ge=1)
    max_aliases: int = Field(default=30, ge=0)
    max_root_fields: int = Field(default=20, ge=1)
    max_document_bytes: int = Field(default=65_536, ge=1)
    max_tokens: int = Field(default=2_000, ge=1)
    max_merge_comparisons: int = Field(default=400, ge=0)


@dataclass(frozen=True, slots=True)
class LimitViolation:
    """A refused operation: ``measured`` is above ``limit`` (None when parsing stopped early)."""

    code: str
    message: str
    measured: int | None
    limit: int

    def to_graphql_error(self) -> dict[str, Any]:
        extensions: dict[str, Any] = {"code": self.code}
        if self.measured is not None:
            extensions["measured"] = self.measured
        extensions["limit"] = self.limit
        return {"message": self.message, "extensions": extensions}


@dataclass(frozen=True, slots=True)
class Shape:
    """What the limits measure of one selection set (fragments expanded)."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0
    """Fields at its own level (through fragments): the root fields of an operation."""


class _Walker:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.memo: dict[str, Shape] = {}
        self.visiting: set[str] = set()

    def selection_set(self, node: SelectionSetNode | None) -> Shape:
        depth = aliases = fields = 0
        for selection in node.selections if node else ():
            if isinstance(selection, FieldNode):
                inner = self.selection_set(selection.selection_set)
                introspection = selection.name.value in _INTROSPECTION_ROOTS
                depth = max(depth, 1 if introspection else 1 + inner.depth)
                aliases += inner.aliases + (selection.alias is not None)
                fields += 1
                continue
            if isinstance(selection, InlineFragmentNode):
                inner = self.selection_set(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                inner = self.fragment(selection.name.value)
            else:  # pragma: no cover - the three selection kinds of the spec
                continue
            depth, aliases, fields = (
                max(depth, inner.depth),
                aliases + inner.aliases,
                fields + inner.fields,
            )
        return Shape(depth, aliases, fields)

    def fragment(self, name: str) -> Shape:
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:
            return Shape()  # unknown or cyclic: validation reports it
        self.visiting.add(name)
        self.memo[name] = self.selection_set(definition.selection_set)
        self.visiting.discard(name)
        return self.memo[name]


def _merge_comparisons(node: SelectionSetNode | None) -> int:
    """Pairs the field-merging rule compares in this set and every set below it."""
    keys: Counter[str] = Counter()
    spreads = fields = total = 0
    pending = list(node.selections) if node else []
    while pending:  # inline fragments' fields merge into the enclosing set
        selection = pending.pop()
        if isinstance(selection, FieldNode):
            keys[(selection.alias or selection.name).value] += 1
            fields += 1
            total += _merge_comparisons(selection.selection_set)
        elif isinstance(selection, InlineFragmentNode):
            pending.extend(selection.selection_set.selections)
        elif isinstance(selection, FragmentSpreadNode):
            spreads += 1
    pairs = sum(count * (count - 1) // 2 for count in keys.values())
    return total + pairs + spreads * (spreads - 1) // 2 + spreads * fields


def measure(document: DocumentNode) -> tuple[list[Shape], int]:
    """Each operation's shape and the document's field-merging comparisons."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    walker = _Walker(fragments)
    shapes = [
        walker.selection_set(d.selection_set)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    ]
    comparisons = sum(
        _merge_comparisons(d.selection_set)
        for d in document.definitions
        if isinstance(d, (OperationDefinitionNode, FragmentDefinitionNode))
    )
    return shapes, comparisons


def _over(code: str, what: str, measured: int, limit: int) -> LimitViolation:
    return LimitViolation(code, what.format(measured=measured, limit=limit), measured, limit)


def _structure(
    shapes: Iterable[Shape], comparisons: int, limits: OperationLimitsSettings
) -> LimitViolation | None:
    for shape in shapes:  # the executed operation is not known before validation: any over
        for code, what, measured, limit in (
            (
                "MAX_ROOT_FIELDS_EXCEEDED",
                "The operation selects {measured} root fields, more than the limit {limit}.",
                shape.fields,
                limits.max_root_fields,
            ),
            (
                "MAX_ALIASES_EXCEEDED",
                "The operation uses {measured} aliases, more than the limit {limit}.",
                shape.aliases,
                limits.max_aliases,
            ),
            (
                "MAX_DEPTH_EXCEEDED",
                "The operation has depth {measured}, more than the limit {limit}.",
                shape.depth,
                limits.max_depth,
            ),
        ):
            if measured > limit:
                return _over(code, what, measured, limit)
    if comparisons > limits.max_merge_comparisons:
        what = "The document needs {measured} field comparisons, more than the limit {limit}."
        return _over(
            "MAX_MERGE_COMPARISONS_EXCEEDED", what, comparisons, limits.max_merge_comparisons
        )
    return None


class OperationLimits:
    """``check(query)``: the first limit the document breaks, or None (then it may be validated)."""

    def __init__(self, settings: OperationLimitsSettings, cache_size: int = 1024) -> None:
        self.settings = settings
        self.cache_size = cache_size
        self._verdicts: OrderedDict[bytes, LimitViolation | None] = OrderedDict()
        """Least recently used last; keyed by the text's hash, so it holds no client text."""

    def check(self, query: str) -> LimitViolation | None:
        size = len(query.encode("utf-8", "surrogatepass"))
        if size > self.settings.max_document_bytes:
            what = "The document has {measured} bytes, more than the limit {limit}."
            return _over("MAX_DOCUMENT_SIZE_EXCEEDED", what, size, self.settings.max_document_bytes)
        digest = hashlib.sha256(query.encode("utf-8", "surrogatepass")).digest()
        if digest in self._verdicts:
            self._verdicts.move_to_end(digest)
            return self._verdicts[digest]
        verdict = self._verdicts[digest] = self._check_text(query)
        if len(self._verdicts) > self.cache_size:
            self._verdicts.popitem(last=False)
        return verdict

    def _check_text(self, query: str) -> LimitViolation | None:
        try:
            document = parse(query, max_tokens=self.settings.max_tokens)
        except GraphQLSyntaxError as error:
            if "tokens" in error.message and "Parsing aborted" in error.message:
                limit = self.settings.max_tokens
                message = f"The document has more than {limit} tokens, the limit."
                return LimitViolation("MAX_TOKENS_EXCEEDED", message, None, limit)
            return None  # a syntax error: Strawberry reports it as usual
        shapes, comparisons = measure(document)
        return _structure(shapes, comparisons, self.settings)
