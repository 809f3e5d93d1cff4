"""Value completion over merged subgraph data (GraphQL spec, "Value Completion" and
"Handling Field Errors").

Completers are closures built once per operation variant by :mod:`router.execution.shaping`;
each takes ``(context, value, parent_path, key)`` and returns the shaped value, or
:data:`INVALID` when a null reached a non-null position and must propagate to the nearest
nullable parent. A null in a non-null position gets an error at its client path unless an error
already covers that path (a subgraph error or a failed fetch).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from router.execution.paths import is_covered
from router.request import graphql_error

__all__ = [
    "INVALID",
    "Completer",
    "FieldList",
    "ShapeContext",
    "abstract_completer",
    "constant_completer",
    "enum_completer",
    "introspection_completer",
    "list_completer",
    "object_completer",
    "scalar_completer",
]

INVALID: Final[object] = object()
"""A null in a non-null position, propagating upwards."""

Path = list[str | int]
Completer = Callable[["ShapeContext", Any, Path, "str | int"], Any]
FieldList = tuple[tuple[str, Completer, type | None], ...]
"""Per response key: its completer, and the Python type a valid leaf value has (``str`` for
String/ID, ``bool``, ``int`` for Int within 32 bits, ``float``), checked inline to skip a call."""

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


@dataclass(slots=True)
class ShapeContext:
    """Per-request shaping state: the errors so far (appended to) and what they cover."""

    errors: list[dict[str, Any]]
    covered: list[tuple[str | int, ...]]
    introspection: Mapping[str, Any] = field(default_factory=dict)

    def null(self, path: Path, key: str | int, coordinate: str) -> object:
        """Spec "Handling Field Errors": a null in a non-null position."""
        full = (*path, key)
        if not is_covered(self.covered, full):
            message = f"Cannot return null for non-nullable field {coordinate}."
            self._error(message, full)
        return INVALID

    def invalid(self, path: Path, key: str | int, coordinate: str) -> None:
        """A leaf value the API schema cannot serialize (e.g. an @inaccessible enum value)."""
        self._error(f"Invalid value found for field {coordinate}.", (*path, key))

    def _error(self, message: str, path: tuple[str | int, ...]) -> None:
        self.errors.append(graphql_error(message, "RESPONSE_VALIDATION_FAILED", path=list(path)))
        self.covered.append(path)


def constant_completer(value: str) -> Completer:
    """``__typename``: the runtime (or static) type name."""

    def complete(ctx: ShapeContext, _: Any, path: Path, key: str | int) -> Any:
        return value

    return complete


def introspection_completer() -> Completer:
    """``__schema`` / ``__type`` at the root: graphql-core's answer, already shaped."""

    def complete(ctx: ShapeContext, _: Any, path: Path, key: str | int) -> Any:
        return ctx.introspection.get(str(key))

    return complete


def scalar_completer(
    coerce: Callable[[Any], Any] | None, non_null: bool, coordinate: str
) -> Completer:
    """Leaf values: built-in scalars are checked (spec "Scalars", result coercion)."""

    def complete(ctx: ShapeContext, value: Any, path: Path, key: str | int) -> Any:
        if value is None:
            return ctx.null(path, key, coordinate) if non_null else None
        if coerce is None:
            return value
        result = coerce(value)
        if result is INVALID:
            ctx.invalid(path, key, coordinate)
            return INVALID if non_null else None
        return result

    return complete


def enum_completer(allowed: frozenset[str], non_null: bool, coordinate: str) -> Completer:
    """Enum values outside the API schema (e.g. ``@inaccessible`` ones) become null + error."""

    def coerce(value: Any) -> Any:
        return value if isinstance(value, str) and value in allowed else INVALID

    return scalar_completer(coerce, non_null, coordinate)


def list_completer(item: Completer, non_null: bool, coordinate: str) -> Completer:
    """Spec "Value Completion" for lists: complete each item; an invalid item invalidates the list."""

    def complete(ctx: ShapeContext, value: Any, path: Path, key: str | int) -> Any:
        if value is None:
            return ctx.null(path, key, coordinate) if non_null else None
        if not isinstance(value, list):
            ctx.invalid(path, key, coordinate)
            return INVALID if non_null else None
        path.append(key)
        out = []
        for index, element in enumerate(value):
            completed = item(ctx, element, path, index)
            if completed is INVALID:
                path.pop()
                return INVALID if non_null else None
            out.append(completed)
        path.pop()
        return out

    return complete


def _complete_fields(
    ctx: ShapeContext, fields: FieldList, value: dict[str, Any], path: Path
) -> Any:
    out: dict[str, Any] = {}
    get = value.get
    for response_key, completer, fast in fields:
        item: Any = get(response_key)
        if (
            fast is not None
            and type(item) is fast
            and (fast is not int or _INT_MIN <= item <= _INT_MAX)  # type: ignore[operator]
        ):
            out[response_key] = item
            continue
        completed = completer(ctx, item, path, response_key)
        if completed is INVALID:
            return INVALID
        out[response_key] = completed
    return out


def object_completer(fields: Sequence[FieldList], non_null: bool, coordinate: str) -> Completer:
    """An object of a concrete type; ``fields`` is a one-element box filled after compilation
    (so recursive selections can refer to it)."""

    def complete(ctx: ShapeContext, value: Any, path: Path, key: str | int) -> Any:
        if value is None:
            return ctx.null(path, key, coordinate) if non_null else None
        if not isinstance(value, dict):
            ctx.invalid(path, key, coordinate)
            return INVALID if non_null else None
        path.append(key)
        out = _complete_fields(ctx, fields[0], value, path)
        path.pop()
        if out is INVALID:
            return INVALID if non_null else None
        return out

    return complete


def abstract_completer(
    fields_for: Callable[[object], FieldList | None], non_null: bool, coordinate: str
) -> Completer:
    """An interface or union: the fields depend on the runtime ``__typename``."""

    def complete(ctx: ShapeContext, value: Any, path: Path, key: str | int) -> Any:
        if value is None:
            return ctx.null(path, key, coordinate) if non_null else None
        fields = fields_for(value.get("__typename")) if isinstance(value, dict) else None
        if fields is None or not isinstance(value, dict):
            ctx.invalid(path, key, coordinate)
            return INVALID if non_null else None
        path.append(key)
        out = _complete_fields(ctx, fields, value, path)
        path.pop()
        if out is INVALID:
            return INVALID if non_null else None
        return out

    return complete
