"""Query plan nodes: plain frozen data, the node kinds of Apollo's query planner.

A plan is a tree of :data:`PlanNode`. The executor runs it with one ``match``; the printer renders
it in Apollo's textual format so plans can be read and compared.

Paths (``FlattenNode.path``, rewrite paths) are tuples of response keys, where ``"@"`` stands for
every item of a list and ``"... on T"`` keeps only the objects whose ``__typename`` is ``T`` (or
implements/is a member of ``T``), as in Apollo's ``@|[T]`` path elements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from graphql import SelectionSetNode

__all__ = [
    "ConditionNode",
    "DeferDependency",
    "DeferNode",
    "DeferredDeferBlock",
    "FetchNode",
    "FetchRewrite",
    "FlattenNode",
    "KeyRenamer",
    "ParallelNode",
    "PlanNode",
    "PrimaryDeferBlock",
    "QueryPlan",
    "RequiresField",
    "RequiresInlineFragment",
    "RequiresSelection",
    "SequenceNode",
    "ValueSetter",
]


@dataclass(frozen=True, slots=True)
class RequiresField:
    """A field of an entity representation (``__typename``, key fields, ``@requires`` fields)."""

    name: str
    selections: tuple[RequiresSelection, ...] = ()


@dataclass(frozen=True, slots=True)
class RequiresInlineFragment:
    """``... on T { ... }``: the representation shape for objects of type ``T``."""

    type_condition: str
    selections: tuple[RequiresSelection, ...]


RequiresSelection = RequiresField | RequiresInlineFragment


@dataclass(frozen=True, slots=True)
class ValueSetter:
    """Set the value at ``path`` to ``set_value_to`` (e.g. ``__typename`` of an @interfaceObject)."""

    path: tuple[str, ...]
    set_value_to: str


@dataclass(frozen=True, slots=True)
class KeyRenamer:
    """Rename the key at ``path`` to ``rename_key_to`` (aliased fields back to their names)."""

    path: tuple[str, ...]
    rename_key_to: str


FetchRewrite = ValueSetter | KeyRenamer


@dataclass(frozen=True, slots=True)
class FetchNode:
    """One request to one subgraph.

    ``operation`` is the exact document sent. For an entity fetch, ``requires`` is the shape of the
    representations collected at the enclosing ``FlattenNode`` path and the operation takes them as
    ``$representations``. ``variable_usages`` names the variables of the operation besides
    ``$representations``: the client's, forwarded, and ``contextualArgument_…`` ones, read with
    ``context_rewrites``.
    """

    service_name: str
    operation: str
    operation_kind: Literal["query", "mutation", "subscription"] = "query"
    """``subscription`` only for a subscription's root fetch (the stream the router opens)."""
    operation_name: str | None = None
    variable_usages: tuple[str, ...] = ()
    requires: tuple[RequiresSelection, ...] | None = None
    input_rewrites: tuple[FetchRewrite, ...] = ()
    output_rewrites: tuple[FetchRewrite, ...] = ()
    id: str | None = None
    context_rewrites: tuple[KeyRenamer, ...] = ()
    """``@fromContext`` values: per entity, the ``KeyRenamer`` paths (relative to the entity,
    ``..`` = the object one field up) whose value becomes the variable ``rename_key_to``."""


@dataclass(frozen=True, slots=True)
class FlattenNode:
    """Run ``node`` against every object found at ``path`` of the data merged so far.

    ``more_paths``: further paths whose objects the same request serves (one ``_entities``
    call for entities reached through several response paths at one plan step).
    """

    path: tuple[str, ...]
    node: FetchNode
    more_paths: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class SequenceNode:
    """Run ``nodes`` one after another (each may depend on what the previous merged)."""

    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True, slots=True)
class ParallelNode:
    """Run ``nodes`` concurrently (they are independent)."""

    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True, slots=True)
class ConditionNode:
    """Branch on a boolean variable (``@skip``/``@include`` with a variable)."""

    condition: str
    if_clause: PlanNode | None
    else_clause: PlanNode | None


@dataclass(frozen=True, slots=True)
class PrimaryDeferBlock:
    """What a deferring operation answers first: ``subselection`` (the operation without its
    deferred fragments, printed) and the fetches it needs."""

    subselection: str
    node: PlanNode | None
    selection: SelectionSetNode | None = field(default=None, compare=False, repr=False)
    """``subselection`` as a syntax tree, what the response shaping reads."""


@dataclass(frozen=True, slots=True)
class DeferDependency:
    """A fetch (``id``) whose results a deferred block reads; ``defer_label`` names the block
    that fetch belongs to (``None``: the primary part)."""

    id: str
    defer_label: str | None = None


@dataclass(frozen=True, slots=True)
class DeferredDeferBlock:
    """One ``@defer`` fragment: delivered when ``node`` (which reads the results of
    ``depends``) has run, shaped by ``subselection`` at every object on ``query_path``.

    ``query_path`` holds response keys and ``... on T`` conditions (lists are implied, as in
    Apollo's ``queryPath``). ``node`` is ``None`` when the primary fetches already bring the
    fields (a fragment on a value type). A block with ``@defer`` fragments inside has a
    :class:`DeferNode` as ``node`` whose primary part carries the block's own subselection
    (``subselection`` is then ``None``), as Apollo nests them."""

    depends: tuple[DeferDependency, ...]
    label: str | None
    query_path: tuple[str, ...]
    subselection: str | None
    node: PlanNode | None
    type_condition: str
    conditions: tuple[tuple[str, bool], ...] = ()
    """``@include``/``@skip`` variables the fragment (and the fields above it) sit under:
    ``(name, True)`` for ``@include``; the block is delivered only when all hold."""
    selection: SelectionSetNode | None = field(default=None, compare=False, repr=False)
    """``subselection`` as a syntax tree, what the response shaping reads."""


@dataclass(frozen=True, slots=True)
class DeferNode:
    """Apollo's ``DeferNode``: the primary part, then every deferred block (incremental
    delivery RFC; Apollo's ``PrimaryDeferBlock`` / ``DeferredDeferBlock``)."""

    primary: PrimaryDeferBlock
    deferred: tuple[DeferredDeferBlock, ...]


PlanNode = FetchNode | FlattenNode | SequenceNode | ParallelNode | ConditionNode | DeferNode


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """The root of a plan; ``node`` is ``None`` when nothing needs fetching (only ``__typename``
    or introspection)."""

    node: PlanNode | None
