"""Incremental delivery of ``@stream`` list fields (incremental delivery RFC, the
``deferSpec=20220824`` format the router speaks for ``@defer``; issue #16).

Subgraphs answer whole lists, so the list itself is fetched whole, as Hive Gateway does; what
is streamed is the rest of the work and the delivery:

- the plan (made for the operation without ``@stream``) is split: the fetches below a streamed
  list's items (``Flatten`` paths under ``list.@``: entity fetches for the items' nested
  fields) form the stream's own part, everything else is the primary part;
- the primary part runs, then the stream's part for the first ``initialCount`` items only
  (the other items are hidden from it), and the initial payload holds those items;
- afterwards the stream's part runs once more for the remaining items (one batched entity
  fetch per step, not one per item) and they are delivered as
  ``{"incremental": [{"items": [item], "path": [..., index], "label"?, "errors"?}, ...],
  "hasNext"}``, at most :data:`MAX_ITEMS_PER_PAYLOAD` items per payload;
- an item whose non-null value fails gets ``items: null`` with its errors (RFC); a list
  nulled in the initial payload (null propagation) streams nothing;
- ``@stream`` below another ``@stream`` is delivered inline in the outer items, and an
  operation that also uses ``@defer`` (or whose plan cannot be split) is answered without
  streaming: the RFC lets a server deliver streamed fields in the initial payload.

Closing the :meth:`StreamDelivery.subsequent` iterator (a client gone, the deadline) cancels
the fetches still running.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from graphql import FragmentDefinitionNode, GraphQLSchema

from router.execution.completion import INVALID, Completer, ShapeContext
from router.execution.executor import ExecutionResult, PlanExecutor, PlanRun
from router.execution.paths import display_path
from router.execution.shaping import RootShape, compile_item
from router.planning.plan import (
    ConditionNode,
    DeferNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    SequenceNode,
)
from router.planning.stream_directive import StreamPoint

__all__ = [
    "MAX_ITEMS_PER_PAYLOAD",
    "StreamDelivery",
    "active_streams",
    "item_payloads",
    "split_plan",
]

MAX_ITEMS_PER_PAYLOAD = 100
"""Streamed items per incremental payload: a long list comes in several bounded parts."""

ResponsePath = tuple[str | int, ...]


class _Unsplittable(Exception):
    """A plan node serves objects of a stream and of the primary part at once."""


def active_streams(
    points: Sequence[StreamPoint], variables: Mapping[str, Any]
) -> tuple[StreamPoint, ...]:
    """The streams this request delivers: ``if`` true, not below another streamed list."""
    chosen: list[StreamPoint] = []
    for point in points:  # outermost first
        if not point.enabled(variables):
            continue
        if any(point.path[: len(outer.path) + 1] == (*outer.path, "@") for outer in chosen):
            continue
        chosen.append(point)
    return tuple(chosen)


def _owner(path: Sequence[str], prefixes: Sequence[tuple[str, ...]]) -> int | None:
    shown = tuple(display_path(path))
    for index, prefix in enumerate(prefixes):
        if shown[: len(prefix)] == prefix:
            return index
    return None


def _part(
    node: PlanNode | None,
    want: int | None,
    prefixes: Sequence[tuple[str, ...]],
    variables: Mapping[str, Any],
) -> PlanNode | None:
    match node:
        case None:
            return None
        case SequenceNode(nodes=nodes) | ParallelNode(nodes=nodes):
            kept = [k for child in nodes if (k := _part(child, want, prefixes, variables))]
            if not kept:
                return None
            if len(kept) == 1:
                return kept[0]
            return replace(node, nodes=tuple(kept))
        case ConditionNode(condition=name, if_clause=if_clause, else_clause=else_clause):
            branch = if_clause if variables.get(name) is True else else_clause
            return _part(branch, want, prefixes, variables)
        case FlattenNode(path=path, more_paths=more):
            owners = {_owner(p, prefixes) for p in (path, *more)}
            if len(owners) > 1:
                raise _Unsplittable
            return node if owners == {want} else None
        case FetchNode():
            return node if want is None else None
        case DeferNode():
            raise _Unsplittable
    raise _Unsplittable


def split_plan(
    node: PlanNode | None, points: Sequence[StreamPoint], variables: Mapping[str, Any]
) -> tuple[PlanNode | None, list[PlanNode | None]] | None:
    """The primary part and each stream's part of ``node`` (``None``: cannot be split)."""
    prefixes = [(*point.path, "@") for point in points]
    try:
        primary = _part(node, None, prefixes, variables)
        parts = [_part(node, index, prefixes, variables) for index in range(len(points))]
    except _Unsplittable:
        return None
    return primary, parts


def _replace(value: Any, path: Sequence[str], change: Callable[[list[Any]], list[Any]]) -> Any:
    """``value`` with every list at ``path`` changed; containers on the way are copied, the
    objects below the lists are shared (fetches merge into them in place)."""
    if not path:
        return change(value) if isinstance(value, list) else value
    step, rest = path[0], path[1:]
    if step == "@":
        return [_replace(v, rest, change) for v in value] if isinstance(value, list) else value
    if isinstance(value, dict) and step in value:
        copy = dict(value)
        copy[step] = _replace(value[step], rest, change)
        return copy
    return value


def _window(lo: int, hi: int | None) -> Callable[[list[Any]], list[Any]]:
    """Items outside ``[lo, hi)`` hidden (``None``: fetches skip them, indices unchanged)."""

    def change(items: list[Any]) -> list[Any]:
        end = len(items) if hi is None else hi
        return [item if lo <= index < end else None for index, item in enumerate(items)]

    return change


def item_payloads(items: list[dict[str, Any]], size: int) -> list[dict[str, Any]]:
    """``items`` in payloads of at most ``size`` entries; the last has ``hasNext: false``."""
    return [
        {"incremental": items[start : start + size], "hasNext": start + size < len(items)}
        for start in range(0, len(items), size)
    ]


def _first(count: int) -> Callable[[list[Any]], list[Any]]:
    """The first ``count`` items (what the initial payload shows of a streamed list)."""

    def change(items: list[Any]) -> list[Any]:
        return items[:count]

    return change


def _instances(data: Any, path: Sequence[str]) -> list[tuple[ResponsePath, list[Any]]]:
    """Every list at ``path`` with its concrete response path (list indices included)."""
    found: list[tuple[ResponsePath, list[Any]]] = []

    def walk(value: Any, index: int, at: ResponsePath) -> None:
        if index == len(path):
            if isinstance(value, list):
                found.append((at, value))
            return
        step = path[index]
        if step == "@":
            if isinstance(value, list):
                for position, item in enumerate(value):
                    walk(item, index + 1, (*at, position))
        elif isinstance(value, dict):
            walk(value.get(step), index + 1, (*at, step))

    walk(data, 0, ())
    return found


def _at(data: Any, path: ResponsePath) -> Any:
    for step in path:
        if isinstance(step, int) and isinstance(data, list) and step < len(data):
            data = data[step]
        elif isinstance(step, str) and isinstance(data, dict):
            data = data.get(step)
        else:
            return None
    return data


def _under(error: Mapping[str, Any], path: ResponsePath) -> bool:
    found = error.get("path")
    return isinstance(found, list) and tuple(found[: len(path)]) == path


@dataclass(slots=True)
class _Stream:
    point: StreamPoint
    count: int
    node: PlanNode | None
    item: Completer
    instances: list[tuple[ResponsePath, list[Any]]] = field(default_factory=list)


@dataclass(slots=True)
class StreamDelivery:
    """One request's streamed execution: :meth:`initial`, then :meth:`subsequent`."""

    executor: PlanExecutor
    run: PlanRun
    schema: GraphQLSchema
    root: RootShape
    variables: Mapping[str, Any]
    fragments: Mapping[str, FragmentDefinitionNode]
    streams: list[_Stream] = field(default_factory=list)
    held: list[dict[str, Any]] = field(default_factory=list)
    """Errors of the primary fetches under items delivered later (they go with the item)."""

    @classmethod
    def prepare(
        cls,
        node: PlanNode | None,
        points: Sequence[StreamPoint],
        *,
        executor: PlanExecutor,
        run: PlanRun,
        schema: GraphQLSchema,
        root: RootShape,
        fragments: Mapping[str, FragmentDefinitionNode],
    ) -> tuple[StreamDelivery, PlanNode | None] | None:
        """The delivery and the primary part to run, or ``None`` when the plan cannot be
        split (the request is then answered without streaming)."""
        variables = run.variables
        split = split_plan(node, points, variables)
        if split is None:
            return None
        primary, parts = split
        delivery = cls(executor, run, schema, root, variables, fragments)
        for point, part in zip(points, parts, strict=True):
            item = compile_item(schema, point.parent, point.node, variables, fragments)
            delivery.streams.append(_Stream(point, point.count(variables), part, item))
        return delivery, primary

    async def initial(
        self, primary: PlanNode | None, context: ShapeContext
    ) -> dict[str, Any] | None:
        """Run the primary part and the first ``initialCount`` items' fetches; shape the
        initial payload (``context`` collects its errors)."""
        if primary is not None:
            await self.executor.run(primary, self.run)
        data = self.run.result.data
        firsts = [
            self.executor.run(
                stream.node,
                replace(
                    self.run,
                    result=replace(self.run.result, data=self._view(stream, 0, stream.count)),
                ),
            )
            for stream in self.streams
            if stream.node is not None and stream.count > 0
        ]
        await asyncio.gather(*firsts)
        view: Any = data
        for stream in self.streams:
            stream.instances = _instances(data, stream.point.path)
            view = _replace(view, stream.point.path, _first(stream.count))
        later = [
            (path, index)
            for stream in self.streams
            for path, items in stream.instances
            for index in range(stream.count, len(items))
        ]
        for error in self.run.result.errors:
            if any(_under(error, (*path, index)) for path, index in later):
                self.held.append(error)
            else:
                context.errors.append(error)
        context.covered.extend(self.run.result.covered)
        shaped = self.root.shape(view, context)
        for stream in self.streams:  # a list nulled by null propagation streams nothing
            stream.instances = [
                (path, items)
                for path, items in stream.instances
                if isinstance(_at(shaped, path), list) and len(items) > stream.count
            ]
        return shaped

    def _view(self, stream: _Stream, lo: int, hi: int | None) -> dict[str, Any]:
        view: dict[str, Any] = _replace(self.run.result.data, stream.point.path, _window(lo, hi))
        return view

    def has_subsequent(self) -> bool:
        return any(stream.instances for stream in self.streams)

    async def subsequent(self) -> AsyncIterator[dict[str, Any]]:
        """The remaining items: their fetches (one run per stream, all items at once), then
        the payloads; the last has ``hasNext: false``."""
        results: list[ExecutionResult] = []
        runs = []
        for stream in self.streams:
            result = ExecutionResult(self._view(stream, stream.count, None))
            results.append(result)
            if stream.node is not None and stream.instances:
                runs.append(self.executor.run(stream.node, replace(self.run, result=result)))
        await asyncio.gather(*runs)
        items: list[dict[str, Any]] = []
        for stream, result in zip(self.streams, results, strict=True):
            errors = [*self.held, *result.errors]
            covered = [*self.run.result.covered, *result.covered]
            for path, values in stream.instances:
                for index in range(stream.count, len(values)):
                    items.append(
                        self._item(
                            stream, path, index, values[index], errors=errors, covered=covered
                        )
                    )
        for payload in item_payloads(items, MAX_ITEMS_PER_PAYLOAD):
            yield payload

    def _item(
        self,
        stream: _Stream,
        path: ResponsePath,
        index: int,
        raw: Any,
        *,
        errors: list[dict[str, Any]],
        covered: list[tuple[str | int, ...]],
    ) -> dict[str, Any]:
        at = (*path, index)
        mine = [error for error in errors if _under(error, at)]
        context = ShapeContext(mine, list(covered))
        value = stream.item(context, raw, list(path), index)
        entry: dict[str, Any] = {"items": None if value is INVALID else [value], "path": list(at)}
        if stream.point.label is not None:
            entry["label"] = stream.point.label
        if context.errors:
            entry["errors"] = context.errors
        return entry
