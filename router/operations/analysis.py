"""One pass over a parsed document that yields everything the limits and the authorization need.

A single graphql-core ``visit`` with ``TypeInfo`` (the walk validation itself uses) summarises
every operation and fragment definition: field depth, aliases, root fields, variables used,
introspection, the ``@authenticated``/``@requiresScopes`` requirements of the selected fields and
types, the selection pairs graphql-core's OverlappingFieldsCanBeMerged rule (spec section 5.3.2)
will compare, and a cost tree (:mod:`router.limits.cost`). Fragment spreads are then resolved
over the small graph of definitions (each fragment once, cycles counted as empty), so the result
is linear in the document's size and safe to compute *before* validation. It is computed once per
cached document; only the cost (when variables feed it) and the caller's authorization are
evaluated per request.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    TypeInfo,
    TypeInfoVisitor,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
    get_named_type,
    visit,
)
from graphql.language import Visitor

from router.limits.cost import CostField, CostTree
from router.limits.cost_directives import CostDirectives
from router.security.authorization_rules import AuthorizationRules, Requirement
from router.security.requirements import field_requirement, type_requirement

__all__ = ["DocumentAnalysis", "OperationAnalysis", "analyze_document"]

_INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class OperationAnalysis:
    """The measures of one operation, fragments expanded where they are spread."""

    name: str | None
    depth: int
    """Root fields are depth 1; introspection (``__schema``, ``__type``) counts as one level."""
    aliases: int
    root_fields: int
    variable_definitions: int
    variables_used: frozenset[str]
    uses_introspection: bool
    requirements: tuple[Requirement, ...]
    """The distinct non-empty authorization requirements of the selected fields and types."""
    cost: CostTree


@dataclass(frozen=True, slots=True)
class DocumentAnalysis:
    operations: tuple[OperationAnalysis, ...]
    merge_comparisons: int
    """Selection pairs the field-merging validation rule compares (its cost is quadratic)."""

    def operation(self, name: str | None) -> OperationAnalysis | None:
        for operation in self.operations:
            if operation.name == name or (name is None and len(self.operations) == 1):
                return operation
        return None


@dataclass(slots=True)
class _Definition:
    """What one definition holds by itself, and where it spreads fragments."""

    depth: int = 0
    aliases: int = 0
    root_fields: int = 0
    introspection: bool = False
    variables: set[str] = field(default_factory=set)
    requirements: set[Requirement] = field(default_factory=set)
    spreads: list[str] = field(default_factory=list)
    depth_spreads: list[tuple[int, str]] = field(default_factory=list)
    root_spreads: list[str] = field(default_factory=list)
    cost_variables: bool = False
    """A field argument holds a variable: the cost is evaluated per request."""
    cost: CostField = field(default_factory=CostField.container)


class _Collector(Visitor):
    """The single visit: fills one :class:`_Definition` per operation and fragment."""

    def __init__(
        self,
        schema: GraphQLSchema,
        type_info: TypeInfo,
        rules: AuthorizationRules,
        directives: CostDirectives,
    ) -> None:
        super().__init__()
        self.schema = schema
        self.type_info = type_info
        self.rules = rules
        self.directives = directives
        self.operations: list[tuple[OperationDefinitionNode, _Definition]] = []
        self.fragments: dict[str, _Definition] = {}
        self.merge_comparisons = 0
        self._current = _Definition()
        self._depth = 0
        self._nesting = 0
        self._introspection = 0
        self._fields: list[tuple[bool, bool]] = []  # (counted for depth, introspection root)
        self._costs: list[CostField] = []
        self._sets: list[tuple[Counter[str], list[int], list[str]]] = []  # keys, [fields], spreads
        self.spread_sets: list[tuple[int, tuple[str, ...]]] = []  # (selections, spread names)

    def _start(self, definition: _Definition) -> None:
        self._current = definition
        self._depth = self._nesting = self._introspection = 0
        self._costs = [definition.cost]

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        definition = _Definition()
        self.operations.append((node, definition))
        self._start(definition)

    def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: Any) -> None:
        definition = _Definition()
        self.fragments.setdefault(node.name.value, definition)
        self._start(definition)
        self._require_type(self.type_info.get_type())

    def enter_variable_definition(self, node: VariableDefinitionNode, *_: Any) -> bool:
        return False  # its $name is a definition, not a use (defaults hold no variables)

    def enter_variable(self, node: VariableNode, *_: Any) -> None:
        self._current.variables.add(node.name.value)

    def enter_selection_set(self, node: SelectionSetNode, key: Any, parent: Any, *_: Any) -> None:
        if not isinstance(parent, InlineFragmentNode):  # its fields merge into the enclosing set
            self._sets.append((Counter(), [0], []))

    def leave_selection_set(self, node: SelectionSetNode, key: Any, parent: Any, *_: Any) -> None:
        if isinstance(parent, InlineFragmentNode):
            return
        keys, (fields,), spreads = self._sets.pop()
        self.merge_comparisons += sum(count * (count - 1) // 2 for count in keys.values())
        if spreads:
            self.spread_sets.append((fields + len(spreads), tuple(spreads)))

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        current = self._current
        name = node.name.value
        keys, counts, _spreads = self._sets[-1]
        keys[(node.alias or node.name).value] += 1
        counts[0] += 1
        if node.alias is not None:
            current.aliases += 1
        if self._nesting == 0:
            current.root_fields += 1
        self._nesting += 1
        counted = self._introspection == 0 and name not in _INTROSPECTION_ROOTS
        root = self._introspection == 0 and name in _INTROSPECTION_ROOTS
        if counted:
            self._depth += 1
            current.depth = max(current.depth, self._depth)
        elif root:
            current.depth = max(current.depth, self._depth + 1)
            current.introspection = True
            self._introspection += 1
        self._fields.append((counted, root))
        self._costs.append(self._cost_field(node, current))

    def leave_field(self, node: FieldNode, *_: Any) -> None:
        counted, root = self._fields.pop()
        self._nesting -= 1
        self._depth -= counted
        self._introspection -= root
        finished = self._costs.pop()
        self._costs[-1].children.append(finished)

    def enter_inline_fragment(self, node: InlineFragmentNode, *_: Any) -> None:
        self._require_type(self.type_info.get_type())

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
        name = node.name.value
        current = self._current
        self._sets[-1][2].append(name)
        current.spreads.append(name)
        if self._introspection == 0:
            current.depth_spreads.append((self._depth, name))
        if self._nesting == 0:
            current.root_spreads.append(name)
        self._costs[-1].spreads.append(name)

    def _require_type(self, type_: Any) -> None:
        if self.rules.is_empty or type_ is None:
            return
        requirement = type_requirement(self.schema, self.rules, get_named_type(type_))
        if not requirement.is_empty:
            self._current.requirements.add(requirement)

    def _cost_field(self, node: FieldNode, current: _Definition) -> CostField:
        parent = self.type_info.get_parent_type()
        fields: dict[str, GraphQLField] = getattr(parent, "fields", None) or {}
        definition = fields.get(node.name.value)
        if parent is None or definition is None:  # __typename, introspection, unknown: free
            return CostField.container(free=True)
        if not self.rules.is_empty:
            requirement = field_requirement(self.schema, self.rules, parent, definition, node)
            if not requirement.is_empty:
                current.requirements.add(requirement)
        if _uses_variables(node):
            current.cost_variables = True
        return CostField.of(self.directives, parent, definition, node)


def _uses_variables(node: FieldNode) -> bool:
    pending: list[ValueNode] = [argument.value for argument in node.arguments or ()]
    while pending:
        value = pending.pop()
        if isinstance(value, VariableNode):
            return True
        if isinstance(value, ListValueNode):
            pending.extend(value.values)
        elif isinstance(value, ObjectValueNode):
            pending.extend(item.value for item in value.fields)
    return False


def _resolve(
    fragments: dict[str, _Definition],
    combine: Callable[[_Definition, Callable[[str], _T]], _T],
    empty: _T,
) -> Callable[[_Definition], _T]:
    """Memoized value of a definition with its spreads resolved; a cycle (invalid, rejected by
    validation) or an unknown fragment counts as ``empty``. Iterative: fragment chains may be
    long before validation has run."""
    memo: dict[str, _T] = {}

    def value_of(name: str) -> _T:
        return memo.get(name, empty)

    def compute(root: _Definition) -> _T:
        stack: list[tuple[str, bool]] = [(name, False) for name in _names(root)]
        active: set[str] = set()
        while stack:
            name, expanded = stack.pop()
            if name in memo or name not in fragments:
                continue
            if expanded:
                active.discard(name)
                memo[name] = combine(fragments[name], value_of)
                continue
            if name in active:
                continue
            active.add(name)
            stack.append((name, True))
            stack.extend((child, False) for child in _names(fragments[name]) if child not in memo)
        return combine(root, value_of)

    return compute


def _names(definition: _Definition) -> Iterable[str]:
    return dict.fromkeys(definition.spreads)


def analyze_document(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    rules: AuthorizationRules,
    directives: CostDirectives,
) -> DocumentAnalysis:
    """Summarise every operation of ``document`` (parsed, not necessarily valid)."""
    type_info = TypeInfo(schema)
    collector = _Collector(schema, type_info, rules, directives)
    visit(document, TypeInfoVisitor(type_info, collector))
    fragments = collector.fragments
    resolve = _resolvers(fragments)
    operations = tuple(
        OperationAnalysis(
            name=node.name.value if node.name else None,
            depth=resolve.depth(definition),
            aliases=resolve.aliases(definition),
            root_fields=resolve.root_fields(definition),
            variable_definitions=len(node.variable_definitions or ()),
            variables_used=frozenset(resolve.variables(definition)),
            uses_introspection=resolve.introspection(definition),
            requirements=tuple(resolve.requirements(definition)),
            cost=CostTree(
                schema,
                directives,
                definition.cost,
                {name: fragment.cost for name, fragment in fragments.items()},
                mutation=node.operation.value == "mutation",
                per_request=resolve.cost_variables(definition),
            ),
        )
        for node, definition in collector.operations
    )
    return DocumentAnalysis(
        operations,
        collector.merge_comparisons
        + _fragment_comparisons(collector.spread_sets, resolve.reachable),
    )


def _fragment_comparisons(
    spread_sets: list[tuple[int, tuple[str, ...]]], reachable: Callable[[str], frozenset[str]]
) -> int:
    """The field-merging rule compares a selection set's selections with every fragment it
    reaches (transitively) and its spreads pairwise: chains and fans of spreads are quadratic
    too."""
    total = 0
    for selections, spreads in spread_sets:
        reach = frozenset(spreads).union(*(reachable(name) for name in spreads))
        total += selections * len(reach) + len(spreads) * (len(spreads) - 1) // 2
    return total


@dataclass(frozen=True, slots=True)
class _Resolvers:
    depth: Callable[[_Definition], int]
    aliases: Callable[[_Definition], int]
    root_fields: Callable[[_Definition], int]
    variables: Callable[[_Definition], frozenset[str]]
    introspection: Callable[[_Definition], bool]
    requirements: Callable[[_Definition], frozenset[Requirement]]
    cost_variables: Callable[[_Definition], bool]
    reachable: Callable[[str], frozenset[str]]


def _resolvers(fragments: dict[str, _Definition]) -> _Resolvers:
    def resolver(
        combine: Callable[[_Definition, Callable[[str], _T]], _T], empty: _T
    ) -> Callable[[_Definition], _T]:
        return _resolve(fragments, combine, empty)

    return _Resolvers(
        depth=resolver(
            lambda d, of: max([d.depth, *(at + of(name) for at, name in d.depth_spreads)]), 0
        ),
        aliases=resolver(lambda d, of: d.aliases + sum(of(name) for name in d.spreads), 0),
        root_fields=resolver(
            lambda d, of: d.root_fields + sum(of(name) for name in d.root_spreads), 0
        ),
        variables=resolver(
            lambda d, of: frozenset(d.variables).union(*(of(name) for name in d.spreads)),
            frozenset(),
        ),
        introspection=resolver(
            lambda d, of: d.introspection or any(of(name) for name in d.spreads), False
        ),
        requirements=resolver(
            lambda d, of: frozenset(d.requirements).union(*(of(name) for name in d.spreads)),
            frozenset(),
        ),
        cost_variables=resolver(
            lambda d, of: d.cost_variables or any(of(name) for name in d.spreads), False
        ),
        reachable=_reachable(fragments),
    )


def _reachable(fragments: dict[str, _Definition]) -> Callable[[str], frozenset[str]]:
    """Fragment name → the fragments its spreads reach, transitively (memoized)."""
    empty: frozenset[str] = frozenset()
    closure = _resolve(
        fragments,
        lambda d, of: frozenset(d.spreads).union(*(of(name) for name in d.spreads)),
        empty,
    )
    memo: dict[str, frozenset[str]] = {}

    def reachable(name: str) -> frozenset[str]:
        found = memo.get(name)
        if found is None:
            definition = fragments.get(name)
            found = closure(definition) if definition is not None else frozenset()
            memo[name] = found
        return found

    return reachable
