"""Validation of each subgraph on its own, before merging (Apollo's subgraph validation).

Implements the federation spec's constraints on ``@key`` (KEY_INVALID_FIELDS,
KEY_FIELDS_SELECT_INVALID_TYPE, KEY_FIELDS_HAS_ARGS), ``@requires`` (REQUIRES_INVALID_FIELDS,
REQUIRES_FIELDS_MISSING_EXTERNAL), ``@provides`` (PROVIDES_INVALID_FIELDS,
PROVIDES_FIELDS_MISSING_EXTERNAL, PROVIDES_ON_NON_OBJECT_FIELD), ``@external`` (EXTERNAL_UNUSED)
and root type naming (ROOT_QUERY_USED, ...), with Apollo's codes and message shapes.
"""

from __future__ import annotations

from collections.abc import Iterator

from router.composition.cost_rules import check_cost
from router.composition.errors import CompositionError
from router.composition.fieldsets import SelectedField, base_type, parse_field_set, walk_field_set
from router.composition.interface_rules import check_interfaces_in_subgraph
from router.composition.model import SubField, Subgraph, SubType

__all__ = ["validate_subgraph"]

_DEFAULT_ROOTS = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}


def _error(subgraph: Subgraph, code: str, message: str, element: str) -> CompositionError:
    return CompositionError(code, f"[{subgraph.name}] {message}", (subgraph.name,), element)


def _check_roots(subgraph: Subgraph) -> Iterator[CompositionError]:
    for operation, name in subgraph.roots.items():
        default = _DEFAULT_ROOTS[operation]
        if name != default and default in subgraph.types:
            yield _error(
                subgraph,
                f"ROOT_{operation.upper()}_USED",
                f'The schema has a type named "{default}" but it is not set as the {operation} root'
                f' type ("{name}" is instead): this is not supported by federation. If a root type'
                f" does not use its default name, there should be no other type with that default name.",
                default,
            )


def _with_hint(problem: str, directive: str) -> str:
    """Apollo's advice after an unknown field in a field set."""
    if not problem.startswith("Cannot query field"):
        return problem
    if directive == "key":
        return (
            problem + " (the field should either be added to this subgraph or, if it should not be"
            " resolved by this subgraph, you need to add it to this subgraph with @external)."
        )
    return (
        problem
        + " (if the field is defined in another subgraph, you need to add it to this subgraph"
        " with @external)."
    )


def _selected(
    subgraph: Subgraph, type_name: str, fields: str
) -> tuple[list[SelectedField], list[str]]:
    selection_set = parse_field_set(fields)
    if isinstance(selection_set, str):
        return [], [selection_set]
    selected: list[SelectedField] = []
    problems: list[str] = []
    for item in walk_field_set(subgraph, type_name, selection_set):
        if isinstance(item, SelectedField):
            selected.append(item)
        else:
            problems.append(item)
    return selected, problems


def _check_keys(subgraph: Subgraph, sub_type: SubType) -> Iterator[CompositionError]:
    for key in sub_type.keys:
        prefix = f'On type "{sub_type.name}", for @key(fields: "{key.fields}"): '
        selected, problems = _selected(subgraph, sub_type.name, key.fields)
        for problem in problems:
            yield _error(
                subgraph, "KEY_INVALID_FIELDS", prefix + _with_hint(problem, "key"), sub_type.name
            )
        for item in selected:
            coordinate = f"{item.parent}.{item.name}"
            target = subgraph.types.get(base_type(item.field.type)) if item.field else None
            if item.field and item.field.args:
                yield _error(
                    subgraph,
                    "KEY_FIELDS_HAS_ARGS",
                    prefix + f"field {coordinate} cannot be included because it has arguments"
                    " (fields with argument are not allowed in @key)",
                    coordinate,
                )
            elif item.field and "[" in item.field.type:
                yield _error(
                    subgraph,
                    "KEY_FIELDS_SELECT_INVALID_TYPE",
                    prefix + f'field "{coordinate}" is a List type which is not allowed in @key',
                    coordinate,
                )
            elif target is not None and target.merged_kind in ("INTERFACE", "UNION"):
                kind = "Interface" if target.merged_kind == "INTERFACE" else "Union"
                yield _error(
                    subgraph,
                    "KEY_FIELDS_SELECT_INVALID_TYPE",
                    prefix + f'field "{coordinate}" is a {kind} type which is not allowed in @key',
                    coordinate,
                )


def _field_set_errors(
    subgraph: Subgraph, host: str, directive: str, target_type: str, fields: str
) -> Iterator[CompositionError]:
    code = directive.upper()
    prefix = f'On field "{host}", for @{directive}(fields: "{fields}"): '
    selected, problems = _selected(subgraph, target_type, fields)
    for problem in problems:
        yield _error(
            subgraph, f"{code}_INVALID_FIELDS", prefix + _with_hint(problem, directive), host
        )
    for item in selected:
        coordinate = f"{item.parent}.{item.name}"
        if item.field is None or item.field.external or item.has_selection or item.under_external:
            continue
        parent = subgraph.types[item.parent]
        if directive == "requires":
            yield _error(
                subgraph,
                "REQUIRES_FIELDS_MISSING_EXTERNAL",
                prefix + f'field "{coordinate}" should not be part of a @requires since it is'
                " already provided by this subgraph (it is not marked @external)",
                host,
            )
        elif not parent.interface_object:
            yield _error(
                subgraph,
                "PROVIDES_FIELDS_MISSING_EXTERNAL",
                prefix + f'field "{coordinate}" should not be part of a @provides since it is'
                " already provided by this subgraph (it is not marked @external)",
                host,
            )


def _check_fields(subgraph: Subgraph, sub_type: SubType) -> Iterator[CompositionError]:
    for sub_field in sub_type.fields.values():
        host = f"{sub_type.name}.{sub_field.name}"
        if sub_field.requires is not None:
            yield from _field_set_errors(
                subgraph, host, "requires", sub_type.name, sub_field.requires
            )
        if sub_field.provides is not None:
            target = subgraph.types.get(base_type(sub_field.type))
            if target is None or target.kind not in ("OBJECT", "INTERFACE", "UNION"):
                yield _error(
                    subgraph,
                    "PROVIDES_ON_NON_OBJECT_FIELD",
                    f'Invalid @provides directive on field "{host}": field has type'
                    f' "{sub_field.type}" which is not a Composite Type',
                    host,
                )
            else:
                yield from _field_set_errors(
                    subgraph, host, "provides", target.name, sub_field.provides
                )


def _used_fields(subgraph: Subgraph) -> set[tuple[str, str]]:
    used: set[tuple[str, str]] = set()

    def add(type_name: str, fields: str) -> None:
        selected, _ = _selected(subgraph, type_name, fields)
        used.update((item.parent, item.name) for item in selected)

    for sub_type in subgraph.types.values():
        for key in sub_type.keys:
            add(sub_type.name, key.fields)
        for sub_field in sub_type.fields.values():
            if sub_field.requires:
                add(sub_type.name, sub_field.requires)
            if sub_field.provides and base_type(sub_field.type) in subgraph.types:
                add(base_type(sub_field.type), sub_field.provides)
    for sub_type in subgraph.types.values():
        for interface in sub_type.interfaces:
            for name in subgraph.types[interface].fields if interface in subgraph.types else ():
                used.add((sub_type.name, name))
    return used


def _check_external(subgraph: Subgraph) -> Iterator[CompositionError]:
    if not subgraph.is_fed2:
        return
    used = _used_fields(subgraph)
    for sub_type in subgraph.types.values():
        for sub_field in sub_type.fields.values():
            if _is_unused_external(sub_type, sub_field, used):
                coordinate = f"{sub_type.name}.{sub_field.name}"
                yield _error(
                    subgraph,
                    "EXTERNAL_UNUSED",
                    f'Field "{coordinate}" is marked @external but is not used in any federation'
                    " directive (@key, @provides, @requires) or to satisfy an interface; the field"
                    " declaration has no use and should be removed (or the field should not be"
                    " @external).",
                    coordinate,
                )


def _is_unused_external(sub_type: SubType, sub_field: SubField, used: set[tuple[str, str]]) -> bool:
    return sub_field.external and (sub_type.name, sub_field.name) not in used


def validate_subgraph(subgraph: Subgraph) -> list[CompositionError]:
    """Every error of ``subgraph`` considered alone."""
    errors = list(_check_roots(subgraph))
    for sub_type in subgraph.types.values():
        if sub_type.kind in ("OBJECT", "INTERFACE"):
            errors.extend(_check_keys(subgraph, sub_type))
            errors.extend(_check_fields(subgraph, sub_type))
    errors.extend(_check_external(subgraph))
    errors.extend(check_cost(subgraph))
    errors.extend(check_interfaces_in_subgraph(subgraph))
    return errors
