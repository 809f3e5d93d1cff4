"""Stage 2: walk the normalized operation and fill fetch groups.

Implements the federation query-planning rules: each field goes into the fetch of the subgraph
already resolving its parent object when that subgraph can resolve it; otherwise the walk jumps
through ``_entities`` into a subgraph that can (choosing by :mod:`cost`), selecting ``__typename``
and the ``@key`` fields in the parent fetch. ``@requires`` fields are fetched before the dependent
fetch (planned like client fields, in the parent's context); ``@provides`` makes external fields
resolvable below the providing field; fields of abstract types split per runtime type when their
subgraphs differ, and every abstract-typed field selects ``__typename``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from router.planning.capabilities import Capabilities, provided_from
from router.planning.context import Context
from router.planning.contextual import contextual_field
from router.planning.cost import CostModel
from router.planning.errors import PlanningError
from router.planning.groups import FetchGroup, GroupRegistry
from router.planning.internal import client_keys, internal_selections, representation_fields
from router.planning.normalize import NField, NFragment, NSelection
from router.planning.plan import ValueSetter
from router.planning.reenter import reenter
from router.planning.requires import satisfy_requires
from router.planning.selection import SelectionBuffer
from router.planning.targets import choose_target, pick_key
from router.supergraph import Key, Supergraph

__all__ = ["Context", "Walker"]


@dataclass(slots=True)
class Walker:
    """Fills a :class:`GroupRegistry` from normalized selections."""

    capabilities: Capabilities
    registry: GroupRegistry = field(default_factory=GroupRegistry)
    costs: CostModel = field(init=False)
    sources: dict[tuple[int, str], list[Context]] = field(default_factory=dict)
    """Per (entity group, type): the parent positions leading into it."""
    keys: dict[tuple[int, str], tuple[Key, tuple[NSelection, ...], dict[str, str]]] = field(
        default_factory=dict
    )
    """Per (entity group, type): the key used, its selections and their aliases."""
    requires_log: dict[tuple[int, str], list[tuple[tuple[NSelection, ...], FetchGroup]]] = field(
        default_factory=dict
    )
    """Per (entity group, type): required selections planned, and the group needing them."""
    roots: list[FetchGroup] = field(default_factory=list)
    """Root fetches in execution order."""
    serial: bool = False
    """Mutation: root fields run in order and cannot be re-entered."""
    _depth: int = 0
    _feeding: list[FetchGroup] = field(default_factory=list)
    """Entity fetches whose representation is being selected (they cannot provide it)."""
    deferrer: Callable[[Walker, Context, NFragment], list[FetchGroup]] | None = None
    """Places ``@defer`` fragments (:mod:`router.planning.defer`); ``None``: inlined."""

    def __post_init__(self) -> None:
        self.costs = CostModel(self.capabilities)

    @property
    def supergraph(self) -> Supergraph:
        return self.capabilities.supergraph

    # -- selections -------------------------------------------------------------------------

    def place(self, ctx: Context, selections: tuple[NSelection, ...]) -> list[FetchGroup]:
        """Place ``selections`` (on ``ctx.type_name``); the groups that received something."""
        touched: list[FetchGroup] = []
        for selection in selections:
            if isinstance(selection, NFragment):
                found = self.place_fragment(ctx, selection)
            else:
                found = self.place_field(ctx, selection)
            touched.extend(g for g in found if g not in touched)
        return touched

    def place_fragment(self, ctx: Context, fragment: NFragment) -> list[FetchGroup]:
        """Inline fragments: kept when they narrow, dropped for types the subgraph never returns."""
        if fragment.defer is not None and self.deferrer is not None:
            return self.deferrer(self, ctx, fragment)
        condition = fragment.type_condition or ctx.type_name
        conditions = ctx.conditions | fragment.conditions
        supergraph = self.supergraph
        if condition == ctx.type_name or (
            supergraph.types[ctx.type_name].kind == "OBJECT"
            and supergraph.is_subtype(condition, ctx.type_name)
        ):
            buf = ctx.buf
            if fragment.directives:
                buf = buf.fragment(None, fragment.directives, fragment.variables)
            inner = replace(
                ctx,
                buf=buf,
                conditions=conditions,
                at_entity_top=ctx.at_entity_top and buf is ctx.buf,
            )
            return self.place(inner, fragment.selections)
        service = ctx.group.service
        if self._is_interface_object(ctx.type_name, service):
            return self.jump_to_interface(ctx, (fragment,))
        shared = self._shared_members(ctx)
        runtime = [
            r
            for r in supergraph.possible_types_in(ctx.type_name, service)
            if supergraph.is_subtype(condition, r) and (shared is None or r in shared)
        ]
        if (
            supergraph.types[condition].kind != "OBJECT"
            and self.capabilities.in_graph(condition, service)
            and set(runtime) <= set(supergraph.possible_types_in(condition, service))
        ):
            # kept abstract only if the subgraph agrees on its members (an implementation
            # declared elsewhere would not match `... on Node` in this subgraph)
            targets = [condition] if runtime else []
        else:
            targets = runtime
        touched: list[FetchGroup] = []
        for target in targets:
            buf = ctx.buf.fragment(target, fragment.directives, fragment.variables)
            inner = Context(
                ctx.group,
                buf,
                target,
                ctx.path,
                ctx.provided,
                conditions,
                False,
                target,
                ctx.siblings,
                ctx.ancestors,
            )
            touched.extend(self.place(inner, fragment.selections))
        return touched

    def _shared_members(self, ctx: Context) -> set[str] | None:
        """Members of a union field that every subgraph able to answer it *on this path* knows.

        A subgraph answers it here when it resolves every field from the nearest enclosing
        entity it has a key for (or from the root) down to the union field. When several do
        and their members differ (a partial union), only the common members are selected: the
        answer must not depend on which subgraph the plan picks (the federation audit's
        partial-union-complex expectation, as Hive Router). ``None``: no limit.
        """
        supergraph = self.supergraph
        if not ctx.ancestors or supergraph.types[ctx.type_name].kind != "UNION":
            return None
        service = ctx.group.service
        members = set(supergraph.possible_types_in(ctx.type_name, service))
        limited = False
        for graph in supergraph.graph_names:
            if graph == service or not self._answers_here(ctx, graph):
                continue
            parent, field_ = ctx.ancestors[-1]
            entry = self.capabilities.entry(parent.type_name, field_.name, graph)
            if entry is not None and entry.type and entry.type.strip("[]!") != ctx.type_name:
                continue  # that subgraph types the field otherwise (@join__field(type:))
            other = set(supergraph.possible_types_in(ctx.type_name, graph))
            if other != members:
                members &= other
                limited = True
        return members if limited else None

    def _answers_here(self, ctx: Context, graph: str) -> bool:
        for parent, field_ in reversed(ctx.ancestors):
            if not self.capabilities.resolvable(parent.type_name, field_.name, graph, None):
                return False
            if parent.type_name == self.supergraph.query_type:
                return True
            if self.capabilities.keys(parent.type_name, graph):
                return True
        return False

    def place_field(self, ctx: Context, item: NField) -> list[FetchGroup]:
        """Place one field: locally, split per runtime type, or through an entity jump."""
        capabilities = self.capabilities
        service, type_name = ctx.group.service, ctx.type_name
        conditions = ctx.conditions | item.conditions
        if item.name == "__typename":
            if self._is_interface_object(type_name, service):
                return self.jump_to_interface(ctx, (item,))
            self._add(ctx, item)
            return [ctx.group]
        if capabilities.resolvable(
            type_name, item.name, service, ctx.provided
        ) and self._implementations_agree(ctx, item):
            entry = capabilities.entry(type_name, item.name, service)
            if entry is not None and entry.context_arguments:
                prepared = contextual_field(self, ctx, item, entry)
                if prepared is None:  # resolved in a new _entities fetch, after its contexts
                    return self.jump(ctx, item, service, type_name)
                ctx, item = prepared
            if entry is not None and entry.requires is not None and not ctx.at_entity_top:
                return self.jump(ctx, item, service, type_name)
            if entry is not None and entry.requires is not None:
                ctx = satisfy_requires(self, ctx, entry.requires_text or "")
            return self._descend(replace(ctx, conditions=conditions), item)
        typedef = self.supergraph.types[type_name]
        if typedef.kind != "OBJECT" and not self._entity_interface_targets(ctx, item):
            return self._split_by_runtime_type(ctx, item)
        chosen = choose_target(
            self.capabilities,
            self.costs,
            self.registry,
            ctx,
            item,
            remote_ok=self._depth < 2,
            feeding=tuple(self._feeding),
        )
        if (
            chosen is not None
            and self.registry.existing_entity(ctx.group, chosen[0], ctx.path) is None
        ):
            # a new sequential fetch: a root fetch (parallel, maybe shared) is better if possible
            found = reenter(self, ctx, item, root_only=True)
            if found is not None:
                return found
        if chosen is None:
            found = reenter(self, ctx, item)
            if found is None:
                raise PlanningError(
                    f"cannot resolve {type_name}.{item.name} from subgraph {service!r}: no "
                    "subgraph resolves it through a usable @key or from an enclosing entity/root"
                )
            return found
        return self.jump(ctx, item, *chosen)

    def _implementations_agree(self, ctx: Context, item: NField) -> bool:
        """An interface field is local only if every implementation the subgraph returns
        resolves it there too (``@override`` or ``@external`` may move it for one of them)."""
        typedef = self.supergraph.types[ctx.type_name]
        service = ctx.group.service
        if typedef.kind != "INTERFACE" or self._is_interface_object(ctx.type_name, service):
            return True
        return all(
            self.capabilities.resolvable(runtime, item.name, service, ctx.provided)
            for runtime in self.supergraph.possible_types_in(ctx.type_name, service)
            if item.name in self.supergraph.types[runtime].fields
        )

    def _add(self, ctx: Context, item: NField) -> SelectionBuffer | None:
        entry = ctx.buf.add_field(
            item.response_key,
            item.name,
            alias=item.alias,
            arguments=item.arguments,
            directives=item.directives,
            variables=item.variables,
            composite=item.selections is not None,
            type_ref=self._type_in(ctx, item.name),
        )
        return entry.sub

    def _type_in(self, ctx: Context, name: str) -> str:
        """The field's type in the current subgraph (``@join__field(type:)`` when it differs)."""
        if name == "__typename":
            return "String!"
        fielddef = self.supergraph.types[ctx.type_name].fields[name]
        entry = self.capabilities.entry(ctx.type_name, name, ctx.group.service)
        return entry.type if entry is not None and entry.type else fielddef.type

    def _descend(self, ctx: Context, item: NField) -> list[FetchGroup]:
        sub = self._add(ctx, item)
        if sub is None or item.selections is None:
            return [ctx.group]
        fielddef = self.supergraph.types[ctx.type_name].fields[item.name]
        # the subgraph may type the field more narrowly (@join__field(type:)): `Book`, not a union
        child_type = self._type_in(ctx, item.name).strip("[]!")
        if self.supergraph.is_abstract(child_type) or self.supergraph.is_abstract(
            fielddef.named_type
        ):
            # abstract in the supergraph: the response shaping needs the runtime type even
            # where this subgraph types the field as one object (`@join__field(type:)`)
            sub.add_typename()
        provided = ctx.provided.get(item.name) if ctx.provided else None
        entry = self.capabilities.entry(ctx.type_name, item.name, ctx.group.service)
        if entry is not None and entry.provides is not None:
            provided = provided_from(entry.provides, provided)
        prefix = (f"... on {ctx.path_condition}",) if ctx.path_condition else ()
        path = (*ctx.path, *prefix, item.response_key, *("@",) * fielddef.list_depth)
        inner = Context(
            ctx.group,
            sub,
            child_type,
            path,
            provided,
            ctx.conditions,
            siblings=item.selections,
            ancestors=(*ctx.ancestors, (ctx, item)),
        )
        return [ctx.group, *self.place(inner, item.selections)]

    def _split_by_runtime_type(self, ctx: Context, item: NField) -> list[FetchGroup]:
        touched: list[FetchGroup] = []
        runtimes = self.supergraph.possible_types_in(ctx.type_name, ctx.group.service)
        if not runtimes:
            # The subgraph knows no object type it could return here, so by CompleteValue
            # (spec 6.4.3: an abstract value resolves to an object type of the subgraph's
            # schema) its answer at this position is null or an error: the field is never
            # reached at runtime and nothing is fetched for it. The enclosing field keeps its
            # `__typename`, so the fetch stays valid, and the subgraph's own null/error is
            # what the client gets (Apollo Gateway and Hive Gateway: same fetch, same
            # answer; audit suite non-resolvable-interface-object, `{ a { id field } }`).
            # When nothing the client selected here is resolvable at all there is no fetch
            # to make: refused, as the audit expects (`{ a { field } }`: `data: null`).
            if not any(self._answerable(ctx, s) for s in ctx.siblings):
                raise PlanningError(
                    f"cannot resolve {ctx.type_name}.{item.name} from subgraph "
                    f"{ctx.group.service!r}: it knows no implementation of {ctx.type_name}"
                )
            return [ctx.group]
        for runtime in runtimes:
            buf = ctx.buf.fragment(runtime)
            inner = Context(
                ctx.group,
                buf,
                runtime,
                ctx.path,
                ctx.provided,
                ctx.conditions,
                False,
                runtime,
                ctx.siblings,
                ctx.ancestors,
            )
            touched.extend(self.place_field(inner, item))
        return touched

    def _answerable(self, ctx: Context, selection: NSelection) -> bool:
        """Whether the client's ``selection`` (or part of a fragment's) on ``ctx.type_name``
        is answered by ``ctx.group.service`` itself."""
        if isinstance(selection, NFragment):
            return any(self._answerable(ctx, inner) for inner in selection.selections)
        return selection.name == "__typename" or self.capabilities.resolvable(
            ctx.type_name, selection.name, ctx.group.service, ctx.provided
        )

    def root_group(self, service: str) -> FetchGroup:
        """The (parallel) root fetch of ``service`` for a query."""
        for group in self.roots:
            if group.service == service:
                return group
        group = self.registry.root(service)
        self.roots.append(group)
        return group

    # -- entity jumps -----------------------------------------------------------------------

    def _is_interface_object(self, type_name: str, service: str) -> bool:
        located = self.supergraph.types[type_name].graphs.get(service)
        return located is not None and located.is_interface_object

    def _entity_interface_targets(self, ctx: Context, item: NField) -> list[str]:
        """Subgraphs resolving a field of an entity interface (``@interfaceObject`` or keyed)."""
        return [
            graph
            for graph in self.capabilities.graphs_resolving(ctx.type_name, item.name)
            if self.capabilities.keys(ctx.type_name, graph)
            and self.capabilities.keys(ctx.type_name, ctx.group.service)
        ]

    def pick_key(self, ctx: Context, graph: str, entity_type: str) -> tuple[Key | None, bool]:
        """A key of ``entity_type`` in ``graph`` (see :func:`targets.pick_key`)."""
        return pick_key(self.capabilities, ctx, graph, entity_type, remote_ok=self._depth < 2)

    def input_type(self, ctx: Context, entity_type: str) -> str:
        """The type condition of the representation sent from ``ctx``: the concrete type when
        an object enters an ``@interfaceObject`` (``__typename`` is then set to the interface)."""
        if ctx.type_name != entity_type and self.supergraph.types[ctx.type_name].kind == "OBJECT":
            return ctx.type_name
        return entity_type

    def entity_context(
        self, ctx: Context, service: str, entity_type: str, variant: int = 0
    ) -> Context:
        """The context inside the ``_entities`` fetch of ``service`` at ``ctx.path``."""
        child, _ = self.registry.entity(ctx.group, service, ctx.path, variant)
        for response_key, named in client_keys(ctx.siblings).items():
            child.client_keys.setdefault(response_key, set()).add(named)
        top = child.selection.fragment(entity_type)
        if self.supergraph.is_abstract(entity_type) and not self._is_interface_object(
            entity_type, service
        ):
            top.add_typename()  # the runtime type, e.g. after an @interfaceObject said "Media"
        slot = (child.index, entity_type)
        if slot not in self.keys:
            key, _ = self.pick_key(ctx, service, entity_type)
            if key is None:
                raise PlanningError(f"no resolvable @key for {entity_type} in {service!r}")
            selections, renames = internal_selections(key.selection, ctx.siblings)
            self.keys[slot] = (key, selections, renames)
        key, selections, renames = self.keys[slot]
        input_type = self.input_type(ctx, entity_type)
        representation = child.requires.fragment(input_type)
        if representation.is_empty():
            representation.add_typename()
            for rewrite in representation_fields(
                key.selection, representation, renames, input_type, self.supergraph
            ):
                child.add_input_rewrite(rewrite)
            if input_type != entity_type or self._is_interface_object(entity_type, service):
                child.add_input_rewrite(
                    ValueSetter((f"... on {input_type}", "__typename"), entity_type)
                )
        sources = self.sources.setdefault(slot, [])
        if not any(source.buf is ctx.buf for source in sources):
            sources.append(ctx)
            self._feed(ctx, child, slot)
        return Context(
            child, top, entity_type, ctx.path, None, ctx.conditions, True, ancestors=ctx.ancestors
        )

    def _feed(self, ctx: Context, child: FetchGroup, slot: tuple[int, str]) -> None:
        """Select the representation (``__typename``, key, ``@requires`` fields planned so far)
        at a new position ``ctx`` of the parent that leads into ``child``."""
        ctx.buf.add_typename()
        self._depth += 1
        self._feeding.append(child)
        try:
            child.depend_on(self.place(ctx, self.keys[slot][1]))
        finally:
            self._depth -= 1
            self._feeding.pop()
        for selections, group in self.requires_log.get(slot, []):
            group.depend_on(self.place(ctx, selections))

    def jump(self, ctx: Context, item: NField, service: str, entity_type: str) -> list[FetchGroup]:
        """Resolve ``item`` through ``_entities`` of ``service``."""
        inner = self.entity_context(ctx, service, entity_type)
        inner.group.narrow_conditions(ctx.conditions | item.conditions)
        return self.place_field(inner, item)

    def jump_to_interface(
        self, ctx: Context, selections: tuple[NSelection, ...]
    ) -> list[FetchGroup]:
        """From an ``@interfaceObject`` to a subgraph knowing the interface's implementations.

        A subgraph taking the interface's key but knowing no implementation of it cannot
        answer an entity of it (its ``_Entity`` union has no such member: the fetch would be
        refused). When no subgraph knows one, no value of the interface has an object type:
        ``__typename`` is left to the ``@interfaceObject``'s answer (the interface's name,
        which response shaping reports as a field error and null, spec 6.4.3) and fragments
        on implementations never apply (audit suite non-resolvable-interface-object:
        ``{ b { __typename } }``)."""
        keyed = False
        for graph in self.supergraph.graph_names:
            located = self.supergraph.types[ctx.type_name].graphs.get(graph)
            if located is None or located.is_interface_object:
                continue
            if self.capabilities.keys(ctx.type_name, graph):
                keyed = True
                if not self.supergraph.possible_types_in(ctx.type_name, graph):
                    continue
                inner = self.entity_context(ctx, graph, ctx.type_name)
                inner.group.narrow_conditions(ctx.conditions)
                return self.place(inner, selections)
        if keyed:
            for selection in selections:
                if isinstance(selection, NField) and selection.name == "__typename":
                    self._add(ctx, selection)
            return [ctx.group]
        raise PlanningError(f"no subgraph can give the concrete type of {ctx.type_name}")
