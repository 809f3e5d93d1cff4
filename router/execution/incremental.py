"""Incremental delivery of a ``@defer`` plan (incremental delivery RFC, ``deferSpec=20220824``,
the format Apollo Router, GraphQL Yoga and Hive Gateway speak).

The primary part runs and is shaped first (the operation without its deferred fragments); then
every deferred block runs as soon as the parts it reads are done and is delivered as one
subsequent payload ``{"incremental": [{"data", "path", "label"?, "errors"?}, ...], "hasNext"}``
with one item per object on its path. As the RFC says:

- a block is delivered only for objects present in what was delivered before it (an object
  nulled by null propagation gets no deferred payload), nested blocks after their parent;
- a null reaching a deferred fragment's object (a non-null field of the fragment missing)
  makes that item's ``data`` null, with the error in the item's ``errors``;
- errors of a block's fetches go to the items whose path they are under;
- ``@include``/``@skip`` variables on the fragment (or the fields above it) that exclude it
  mean no payload for it; the last payload has ``hasNext: false``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from graphql import GraphQLSchema, OperationType, SelectionSetNode

from router.execution.completion import INVALID, ShapeContext
from router.execution.executor import ExecutionResult, PlanExecutor, PlanRun
from router.execution.paths import TypeMatcher
from router.execution.shaping import compile_object, compile_root
from router.planning.plan import ConditionNode, DeferNode, DeferredDeferBlock, PlanNode

__all__ = ["IncrementalDelivery", "select_defer"]

ResponsePath = list[str | int]


def select_defer(node: PlanNode | None, variables: Mapping[str, Any]) -> DeferNode | None:
    """The :class:`DeferNode` this request runs (``@defer(if: $v)`` plans sit under
    ``Condition`` nodes), or ``None`` when nothing is deferred for these variables."""
    while isinstance(node, ConditionNode):
        node = node.if_clause if variables.get(node.condition) is True else node.else_clause
    return node if isinstance(node, DeferNode) else None


def _active(block: DeferredDeferBlock, variables: Mapping[str, Any]) -> bool:
    return all((variables.get(name) is True) == expected for name, expected in block.conditions)


def _under(error: Mapping[str, Any], path: ResponsePath) -> bool:
    found = error.get("path")
    return isinstance(found, list) and found[: len(path)] == path


@dataclass(slots=True)
class _Done:
    items: list[dict[str, Any]]
    children: tuple[DeferredDeferBlock, ...] = ()


@dataclass(slots=True)
class IncrementalDelivery:
    """One request's deferred execution: :meth:`primary`, then :meth:`subsequent`."""

    defer: DeferNode
    executor: PlanExecutor
    run: PlanRun
    schema: GraphQLSchema
    matcher: TypeMatcher
    variables: Mapping[str, Any]
    kind: OperationType = OperationType.QUERY
    introspection: Mapping[str, Any] = field(default_factory=dict)
    """``__schema``/``__type`` answers (a deferred fragment on the root may select them)."""
    covered: list[tuple[str | int, ...]] = field(default_factory=list)
    delivered: dict[str, Any] | None = None
    """What the client has so far (shaped): where deferred blocks find their objects."""

    async def primary(self, context: ShapeContext) -> dict[str, Any] | None:
        """Run and shape the primary part; ``context`` collects its errors."""
        primary = self.defer.primary
        if primary.node is not None:
            await self.executor.run(primary.node, self.run)
        context.errors.extend(self.run.result.errors)
        context.covered.extend(self.run.result.covered)
        self.covered = list(context.covered)
        if primary.selection is None:
            raise ValueError("a primary defer block without its selection")
        shape = compile_root(self.schema, primary.selection, self.variables, self.kind)
        self.delivered = shape.shape(self.run.result.data, context)
        return self.delivered

    def has_subsequent(self) -> bool:
        """Whether any deferred block will be delivered after the primary part (one that
        applies and has an object to complete: none when they all sit under nulls)."""
        return self.delivered is not None and any(
            self._applies(block) for block in self.defer.deferred
        )

    def _applies(self, block: DeferredDeferBlock) -> bool:
        if not _active(block, self.variables):
            return False
        if self._at_root(block):
            return True
        return bool(self._targets(block.query_path, block.type_condition, self.run.result.data))

    def _at_root(self, block: DeferredDeferBlock) -> bool:
        query = self.schema.query_type
        return not block.query_path and query is not None and block.type_condition == query.name

    async def subsequent(self) -> AsyncIterator[dict[str, Any]]:
        """The subsequent payloads, each as soon as its block is done; the last has
        ``hasNext: false``. Closing the iterator cancels the fetches still running."""
        queue: asyncio.Queue[_Done] = asyncio.Queue()
        tasks: set[asyncio.Task[None]] = set()
        outstanding = 0

        def spawn(blocks: Sequence[DeferredDeferBlock]) -> None:
            nonlocal outstanding
            for block in blocks:
                if self._applies(block):
                    outstanding += 1
                    task = asyncio.create_task(self._block(block, queue))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)

        spawn(self.defer.deferred)
        try:
            while outstanding:
                done = await queue.get()
                outstanding -= 1
                spawn(done.children)
                if done.items or not outstanding:
                    payload: dict[str, Any] = {"hasNext": outstanding > 0}
                    if done.items:
                        payload["incremental"] = done.items
                    yield payload
        finally:
            for task in list(tasks):
                task.cancel()

    async def _block(self, block: DeferredDeferBlock, queue: asyncio.Queue[_Done]) -> None:
        result = ExecutionResult(self.run.result.data)
        node: PlanNode | None = block.node
        selection: SelectionSetNode | None = block.selection
        children: tuple[DeferredDeferBlock, ...] = ()
        if isinstance(block.node, DeferNode):  # nested @defer: this block is the nested primary
            nested = block.node
            node, selection, children = (
                nested.primary.node,
                nested.primary.selection,
                nested.deferred,
            )
        try:
            if node is not None:
                await self.executor.run(node, replace(self.run, result=result))
            items = self._items(block, selection, result)
        except Exception:
            queue.put_nowait(_Done([], ()))
            raise
        queue.put_nowait(_Done(items, children))

    def _items(
        self,
        block: DeferredDeferBlock,
        selection: SelectionSetNode | None,
        result: ExecutionResult,
    ) -> list[dict[str, Any]]:
        if selection is None:
            raise ValueError("a deferred block without its selection")
        at_root = self._at_root(block)
        covered = [*self.covered, *result.covered]
        fetch_errors = list(result.errors)
        items: list[dict[str, Any]] = []
        if at_root:
            root_shape = compile_root(self.schema, selection, self.variables)
            targets: list[tuple[ResponsePath, Any]] = [([], result.data)]
        else:
            completer = compile_object(self.schema, block.type_condition, selection, self.variables)
            targets = self._targets(block.query_path, block.type_condition, result.data)
        for path, raw in targets:
            errors: list[dict[str, Any]] = [e for e in fetch_errors if _under(e, path)]
            context = ShapeContext(errors, list(covered), self.introspection)
            if at_root:
                data = root_shape.shape(raw, context)
            else:
                parent = list(path[:-1])
                value = completer(context, raw, parent, path[-1])
                data = None if value is INVALID else value
            item: dict[str, Any] = {"data": data, "path": path}
            if block.label is not None:
                item["label"] = block.label
            if context.errors:
                item["errors"] = context.errors
            items.append(item)
            if isinstance(data, dict):
                self._deliver(path, data)
        placed = {id(e) for item in items for e in item.get("errors", ())}
        stray = [e for e in fetch_errors if id(e) not in placed]
        if stray and items:
            items[0].setdefault("errors", []).extend(stray)
        return items

    def _targets(
        self, query_path: tuple[str, ...], type_condition: str, data: dict[str, Any]
    ) -> list[tuple[ResponsePath, dict[str, Any]]]:
        """The objects at ``query_path`` whose runtime type is within ``type_condition`` (a
        ``... on T @defer`` fragment applies to ``T`` objects only): concrete response paths
        (list indices included) of those delivered so far, with their merged data."""
        found: list[tuple[ResponsePath, dict[str, Any]]] = []

        def walk(shaped: Any, raw: Any, index: int, path: ResponsePath) -> None:
            if shaped is None or raw is None:
                return
            if isinstance(shaped, list):
                if isinstance(raw, list):
                    for position, (item, source) in enumerate(zip(shaped, raw, strict=False)):
                        walk(item, source, index, [*path, position])
                return
            if not isinstance(shaped, dict) or not isinstance(raw, dict):
                return
            if index == len(query_path):
                if self.matcher(raw.get("__typename"), type_condition):
                    found.append((path, raw))
                return
            step = query_path[index]
            if step.startswith("... on "):
                if self.matcher(raw.get("__typename"), step[len("... on ") :]):
                    walk(shaped, raw, index + 1, path)
                return
            walk(shaped.get(step), raw.get(step), index + 1, [*path, step])

        walk(self.delivered, data, 0, [])
        return found

    def _deliver(self, path: ResponsePath, data: dict[str, Any]) -> None:
        """Record a delivered payload in the client's view (nested blocks search it)."""
        target: Any = self.delivered
        for step in path:
            if isinstance(target, dict) and isinstance(step, str):
                target = target.get(step)
            elif isinstance(target, list) and isinstance(step, int) and step < len(target):
                target = target[step]
            else:
                return
        if isinstance(target, dict):
            _merge(target, data)


def _merge(into: dict[str, Any], data: Mapping[str, Any]) -> None:
    for key, value in data.items():
        existing = into.get(key)
        if isinstance(existing, dict) and isinstance(value, dict):
            _merge(existing, value)
        elif isinstance(existing, list) and isinstance(value, list):
            for old, new in zip(existing, value, strict=False):
                if isinstance(old, dict) and isinstance(new, dict):
                    _merge(old, new)
        else:
            into[key] = value
