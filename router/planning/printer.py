"""``print_plan``: a plan in the textual format of Apollo's ``prettyFormatQueryPlan``.

Each node is followed by a comma; fetches print the selection sent (for entity fetches the
representation shape, ``=>``, then the selection inside ``_entities``); Flatten paths join
response keys with ``.``, ``@`` for list items and ``|[T]`` for type conditions.
"""

from __future__ import annotations

from graphql import FieldNode, OperationDefinitionNode, SelectionSetNode, parse, print_ast

from router.planning.plan import (
    ConditionNode,
    DeferNode,
    DeferredDeferBlock,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    RequiresField,
    RequiresSelection,
    SequenceNode,
)
from router.planning.subscription import SubscriptionParts, subscription_parts

__all__ = ["format_path", "print_plan", "print_requires"]


def format_path(path: tuple[str, ...]) -> str:
    """``("users", "@", "... on Book", "author")`` -> ``users.@|[Book].author``."""
    parts: list[str] = []
    for element in path:
        if element.startswith("... on "):
            condition = f"|[{element[len('... on ') :]}]"
            if parts:
                parts[-1] += condition
            else:
                parts.append(condition)
        else:
            parts.append(element)
    return ".".join(parts)


def print_requires(selections: tuple[RequiresSelection, ...], indent: int) -> str:
    """A representation shape as a selection set (``indent`` = depth of the opening brace)."""
    pad = "  " * (indent + 1)
    lines = ["{"]
    for selection in selections:
        if isinstance(selection, RequiresField):
            if selection.selections:
                lines.append(
                    f"{pad}{selection.name} {print_requires(selection.selections, indent + 1)}"
                )
            else:
                lines.append(pad + selection.name)
        else:
            inner = print_requires(selection.selections, indent + 1)
            lines.append(f"{pad}... on {selection.type_condition} {inner}")
    lines.append("  " * indent + "}")
    return "\n".join(lines)


def _indent(text: str, indent: int) -> str:
    pad = "  " * indent
    return "\n".join(pad + line if line else line for line in text.split("\n"))


def _selection_text(fetch: FetchNode) -> str:
    operation = next(
        d for d in parse(fetch.operation).definitions if isinstance(d, OperationDefinitionNode)
    )
    selection: SelectionSetNode = operation.selection_set
    if fetch.requires is not None:
        entities = selection.selections[0]
        if isinstance(entities, FieldNode) and entities.selection_set is not None:
            selection = entities.selection_set
    return print_ast(selection)


def _fetch(fetch: FetchNode, indent: int) -> list[str]:
    pad = "  " * indent
    id_text = f", id: {fetch.id}" if fetch.id is not None else ""
    lines = [f'{pad}Fetch(service: "{fetch.service_name}"{id_text}) {{']
    if fetch.requires is not None:
        lines.append(_indent(print_requires(fetch.requires, 0), indent + 1) + " =>")
    lines.append(_indent(_selection_text(fetch), indent + 1))
    lines.append(f"{pad}}},")
    return lines


def _node(node: PlanNode, indent: int) -> list[str]:
    pad = "  " * indent
    match node:
        case FetchNode():
            return _fetch(node, indent)
        case FlattenNode(path=path, node=inner, more_paths=more):
            paths = ", ".join(f'"{format_path(p)}"' for p in (path, *more))
            head = f"Flatten(paths: [{paths}])" if more else f"Flatten(path: {paths})"
            return [
                f"{pad}{head} {{",
                *_node(inner, indent + 1),
                f"{pad}}},",
            ]
        case SequenceNode(nodes=nodes) | ParallelNode(nodes=nodes):
            name = "Sequence" if isinstance(node, SequenceNode) else "Parallel"
            body = [line for child in nodes for line in _node(child, indent + 1)]
            return [f"{pad}{name} {{", *body, f"{pad}}},"]
        case ConditionNode(condition=variable, if_clause=then, else_clause=otherwise):
            # Apollo's layout: the one node inside Include/Skip has no trailing comma
            if otherwise is None and then is not None:
                child = _last(_node(then, indent + 1))
                return [f"{pad}Include(if: ${variable}) {{", *child, f"{pad}}},"]
            if then is None and otherwise is not None:
                child = _last(_node(otherwise, indent + 1))
                return [f"{pad}Skip(if: ${variable}) {{", *child, f"{pad}}},"]
            lines = [f"{pad}Condition(if: ${variable}) {{"]
            if then is not None and otherwise is not None:  # Apollo's layout
                lines += [f"{pad}  Then {{", *_last(_node(then, indent + 2)), f"{pad}  }} Else {{"]
                return [*lines, *_last(_node(otherwise, indent + 2)), f"{pad}  }}", f"{pad}}},"]
            if then is not None:
                lines += [f"{pad}  Then {{", *_node(then, indent + 2), f"{pad}  }}"]
            if otherwise is not None:
                lines += [f"{pad}  Else {{", *_node(otherwise, indent + 2), f"{pad}  }}"]
            return [*lines, f"{pad}}},"]
        case DeferNode(primary=primary, deferred=deferred):
            lines = [f"{pad}Defer {{", f"{pad}  Primary {{"]
            lines.append(_indent(primary.subselection, indent + 2) + ":")
            if primary.node is not None:
                lines += _last(_node(primary.node, indent + 2))
            lines.append(f"{pad}  }}, [")
            for block in deferred:
                lines += _deferred(block, indent + 2)
            return [*lines, f"{pad}  ]", f"{pad}}},"]
    raise TypeError(f"not a plan node: {node!r}")


def _deferred(block: DeferredDeferBlock, indent: int) -> list[str]:
    """Apollo's ``Deferred(depends: [0, 1:"label"], path: "a/b", label: "x") { ... }``."""
    pad = "  " * indent
    depends = ", ".join(
        d.id + (f':"{d.defer_label}"' if d.defer_label else "") for d in block.depends
    )
    label = f', label: "{block.label}"' if block.label else ""
    path = "/".join(block.query_path)
    lines = [f'{pad}Deferred(depends: [{depends}], path: "{path}"{label}) {{']
    if block.subselection is not None:
        lines.append(_indent(block.subselection, indent + 1) + ":")
    if block.node is not None:
        lines += _last(_node(block.node, indent + 1))
    return [*lines, f"{pad}}},"]


def _last(lines: list[str]) -> list[str]:
    """A node alone in a Primary/Deferred block: no trailing comma (Apollo's layout)."""
    return [*lines[:-1], lines[-1].removesuffix(",")]


def _subscription(parts: SubscriptionParts) -> list[str]:
    """Apollo's ``Subscription { Primary: {...}, Rest: {...} }`` at the plan's root, laid out
    as ``queryPlanSerializer.js`` does (its closing brace of ``Rest``, printed even without a
    rest, included)."""
    lines = ["  Subscription {", "    Primary: {", *_last(_fetch(parts.primary, 3)), "    },"]
    if parts.rest:
        lines += ["    Rest: {", *_last(_node(SequenceNode(parts.rest), 3))]
    return [*lines, "    }", "  },"]


def print_plan(plan: QueryPlan) -> str:
    """The whole plan as text (``QueryPlan {}`` when nothing is fetched)."""
    if plan.node is None:
        return "QueryPlan {}"
    parts = subscription_parts(plan.node)
    if parts is not None:
        return "\n".join(["QueryPlan {", *_subscription(parts), "}"])
    return "\n".join(["QueryPlan {", *_node(plan.node, 1), "}"])
