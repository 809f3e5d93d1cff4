"""State shared by the merge steps: subgraphs, join graph names, errors, enum usages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from router.composition.errors import CompositionError
from router.composition.model import Subgraph
from router.composition.supergraph_model import MType

__all__ = [
    "MergeState",
    "default_text",
    "describe_mismatch",
    "graph_enum_names",
    "subgraph_list",
]


def graph_enum_names(names: list[str]) -> list[str]:
    """``join__Graph`` value per subgraph: upper-cased, non-name characters as ``_``, unique."""
    result: list[str] = []
    for name in names:
        value = re.sub(r"[^A-Za-z0-9_]", "_", name).upper()
        if value[:1].isdigit():
            value = "_" + value
        candidate, suffix = value, 1
        while candidate in result:
            candidate = f"{value}_{suffix}"
            suffix += 1
        result.append(candidate)
    return result


def subgraph_list(names: list[str]) -> str:
    """Apollo's ``printSubgraphNames``: 'subgraph "a"' or 'subgraphs "a", "b" and "c"'."""
    quoted = [f'"{name}"' for name in names]
    if len(quoted) == 1:
        return f"subgraph {quoted[0]}"
    return f"subgraphs {', '.join(quoted[:-1])} and {quoted[-1]}"


def describe_mismatch(names: list[str], values: dict[int, str]) -> str:
    """Apollo's mismatch wording: 'X in subgraph "a" but Y in subgraphs "b" and "c"'."""
    groups: dict[str, list[str]] = {}
    for index, value in values.items():
        groups.setdefault(value, []).append(names[index])
    parts = [f"{value} in {subgraph_list(where)}" for value, where in groups.items()]
    return parts[0] + ("" if len(parts) == 1 else " but " + " and ".join(parts[1:]))


def default_text(default: str | None) -> str:
    return f"default value {default}" if default is not None else "no default value"


@dataclass
class EnumUsage:
    position: str  # Input, Output or Both
    examples: dict[str, str] = field(default_factory=dict)


@dataclass
class MergeState:
    subgraphs: list[Subgraph]
    graphs: list[str]
    errors: list[CompositionError] = field(default_factory=list)
    merged: dict[str, MType] = field(default_factory=dict)
    enum_usages: dict[str, EnumUsage] = field(default_factory=dict)
    used_features: set[str] = field(default_factory=set)
    repeatable: set[str] = field(default_factory=lambda: {"tag", "context"})

    def error(self, code: str, message: str, subgraphs: list[str], element: str) -> None:
        self.errors.append(CompositionError(code, message, tuple(subgraphs), element))

    def record_enum_usage(self, type_name: str, coordinate: str, input_position: bool) -> None:
        merged = self.merged.get(type_name)
        if merged is None or merged.kind != "ENUM":
            return
        position = "Input" if input_position else "Output"
        usage = self.enum_usages.get(type_name)
        if usage is None:
            usage = self.enum_usages[type_name] = EnumUsage(position)
        elif usage.position != position:
            usage.position = "Both"
        usage.examples.setdefault(position, coordinate)

    def named_subtype(self, maybe_sub: str, super_name: str) -> bool:
        """An object implementing an interface, or a member of a union, in the supergraph."""
        super_type = self.merged.get(super_name)
        sub_type = self.merged.get(maybe_sub)
        if super_type is None or sub_type is None:
            return False
        if super_type.kind == "UNION":
            return maybe_sub in super_type.members
        return super_type.kind == "INTERFACE" and super_name in sub_type.interfaces
