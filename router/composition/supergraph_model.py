"""The merged schema composition builds before printing it as a supergraph SDL.

Elements carry their applied directives already rendered (``@join__field(graph: A)``) in the
order @apollo/composition applies them, so printing is a plain walk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["JoinField", "MArgument", "MEnumValue", "MField", "MType", "graph_value", "render_args"]


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def render_args(arguments: list[tuple[str, object]]) -> str:
    """``(name: value, ...)`` for the arguments that are set; strings quoted, enums bare."""
    parts = []
    for name, value in arguments:
        if value is None:
            continue
        if isinstance(value, bool):
            rendered = "true" if value else "false"
        elif isinstance(value, str):
            rendered = _quote(value)
        else:
            rendered = str(value)
        parts.append(f"{name}: {rendered}")
    return f"({', '.join(parts)})" if parts else ""


@dataclass(frozen=True)
class JoinField:
    """``@join__field`` arguments in the order the join spec declares them."""

    graph: str | None
    requires: str | None = None
    provides: str | None = None
    type: str | None = None
    external: bool | None = None
    override: str | None = None
    used_overridden: bool | None = None
    override_label: str | None = None
    context_arguments: str | None = None  # rendered [join__ContextArgument!] value

    def __str__(self) -> str:
        graph = _GraphValue(self.graph) if self.graph else None
        return "@join__field" + render_args(
            [
                ("graph", graph),
                ("requires", self.requires),
                ("provides", self.provides),
                ("type", self.type),
                ("external", self.external),
                ("override", self.override),
                ("usedOverridden", self.used_overridden),
                ("overrideLabel", self.override_label),
                (
                    "contextArguments",
                    _Raw(self.context_arguments) if self.context_arguments else None,
                ),
            ]
        )


class _Raw:
    """A value already rendered as GraphQL."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


class _GraphValue:
    """A join__Graph value: rendered without quotes."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name


@dataclass
class MArgument:
    name: str
    type: str
    default: str | None = None
    description: str | None = None
    directives: list[str] = field(default_factory=list)


@dataclass
class MField:
    name: str
    type: str = ""
    args: dict[str, MArgument] = field(default_factory=dict)
    description: str | None = None
    directives: list[str] = field(default_factory=list)
    default: str | None = None


@dataclass
class MEnumValue:
    name: str
    description: str | None = None
    directives: list[str] = field(default_factory=list)


@dataclass
class MType:
    name: str
    kind: str
    description: str | None = None
    directives: list[str] = field(default_factory=list)
    interfaces: list[str] = field(default_factory=list)
    fields: dict[str, MField] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)
    values: dict[str, MEnumValue] = field(default_factory=dict)
    inaccessible: bool = False


def graph_value(name: str) -> _GraphValue:
    """A ``join__Graph`` value to pass to :func:`render_args` (printed without quotes)."""
    return _GraphValue(name)
