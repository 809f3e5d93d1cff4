"""Deep-merge subgraph answers into one response tree, and apply fetch rewrites.

Every fetch selects with the client's response keys, so answers from several subgraphs for the
same object merge key by key (objects recursively, lists item by item); the shaper later projects
the merged tree onto the client's selection set. Rewrites are Apollo's ``ValueSetter`` and
``KeyRenamer`` fetch rewrites (input: on representations; output: on entity results).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from router.execution.paths import Matcher
from router.planning.plan import FetchRewrite, KeyRenamer, ValueSetter

__all__ = ["apply_rewrites", "deep_merge", "merge_entity", "merge_entity_into"]

Matcher1 = Callable[[object], bool]

_FRAGMENT_PREFIX = "... on "


def deep_merge(target: dict[str, Any], source: dict[str, Any]) -> None:
    """Merge ``source`` into ``target`` in place (``source`` subtrees may be shared, not copied)."""
    for key, value in source.items():
        existing = target.get(key)
        if existing is None or existing is value:
            target[key] = value
        elif value is None:
            continue  # a null never erases what another fetch provided (as Apollo Router)
        elif isinstance(existing, dict) and isinstance(value, dict):
            deep_merge(existing, value)
        elif isinstance(existing, list) and isinstance(value, list):
            _merge_lists(existing, value)
        else:
            target[key] = value


def merge_entity(target: dict[str, Any], entity: dict[str, Any], is_object: Matcher1) -> None:
    """Merge an ``_entities`` result; a concrete ``__typename`` already known is kept (an
    @interfaceObject subgraph answers with the interface's name)."""
    merge_entity_into((target,), entity, is_object)


def merge_entity_into(
    targets: Sequence[dict[str, Any]], entity: dict[str, Any], is_object: Matcher1
) -> None:
    """:func:`merge_entity` of one result into every object of its representation: one call
    per entity."""
    typed = "__typename" in entity  # else the type name cannot change: nothing to keep
    for target in targets:
        known = target.get("__typename") if typed else None
        deep_merge(target, entity)
        if known is not None and target["__typename"] != known and is_object(known):
            target["__typename"] = known


def _merge_lists(target: list[Any], source: list[Any]) -> None:
    for index, value in enumerate(source):
        if index >= len(target):
            target.append(value)
            continue
        existing = target[index]
        if isinstance(existing, dict) and isinstance(value, dict):
            deep_merge(existing, value)
        elif isinstance(existing, list) and isinstance(value, list):
            _merge_lists(existing, value)
        elif existing is None:
            target[index] = value


def apply_rewrites(value: Any, rewrites: Sequence[FetchRewrite], matches: Matcher) -> None:
    """Apply each rewrite to ``value`` in place."""
    for rewrite in rewrites:
        _rewrite_at(value, rewrite.path, rewrite, matches)


def _rewrite_at(value: Any, path: Sequence[str], rewrite: FetchRewrite, matches: Matcher) -> None:
    if path and path[0] == "@":
        path = path[1:]  # lists are walked item by item below anyway
    if isinstance(value, list):
        for item in value:
            _rewrite_at(item, path, rewrite, matches)
        return
    if not isinstance(value, dict) or not path:
        return
    head, rest = path[0], path[1:]
    if head.startswith(_FRAGMENT_PREFIX):
        if matches(value.get("__typename"), head[len(_FRAGMENT_PREFIX) :]):
            _rewrite_at(value, rest, rewrite, matches)
        return
    if rest:
        _rewrite_at(value.get(head), rest, rewrite, matches)
        return
    match rewrite:
        case ValueSetter(set_value_to=new_value):
            value[head] = new_value
        case KeyRenamer(rename_key_to=new_key):
            if head in value:
                # the client's key may already hold the same field's other selections
                # (an aliased sibling fragment): merge, never replace
                deep_merge(value, {new_key: value.pop(head)})
