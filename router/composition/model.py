"""The subgraph model composition works on: each subgraph's types with federation metadata.

A subgraph SDL is read once (``router.composition.subgraph``) into these plain values: the
canonical federation directive names are resolved (``@primaryKey`` imported ``as`` ``@key`` is a
key here), so the merge and validation rules never look at ``@link`` renames again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import DirectiveDefinitionNode, GraphQLSchema

__all__ = [
    "Applied",
    "Key",
    "SubArgument",
    "SubEnumValue",
    "SubField",
    "SubType",
    "Subgraph",
]


@dataclass(frozen=True)
class Applied:
    """A directive application carried to the supergraph: canonical name, printed arguments."""

    name: str
    args: str = ""

    def __str__(self) -> str:
        return f"@{self.name}{self.args}"


@dataclass(frozen=True)
class Key:
    """One ``@key``: its field set, ``resolvable`` and whether it sits on a type extension."""

    fields: str
    resolvable: bool = True
    extension: bool = False


@dataclass
class SubArgument:
    name: str
    type: str
    default: str | None = None
    description: str | None = None
    deprecated: Applied | None = None
    inaccessible: bool = False
    applied: list[Applied] = field(default_factory=list)
    from_context: str | None = None  # @fromContext(field:), e.g. "$ctx { prop }"

    @property
    def required(self) -> bool:
        return self.type.endswith("!") and self.default is None


@dataclass
class SubField:
    name: str
    type: str
    args: dict[str, SubArgument] = field(default_factory=dict)
    description: str | None = None
    deprecated: Applied | None = None
    external: bool = False
    requires: str | None = None
    provides: str | None = None
    shareable: bool = False
    override: str | None = None
    override_label: str | None = None
    inaccessible: bool = False
    applied: list[Applied] = field(default_factory=list)
    default: str | None = None  # input fields only
    provided: bool = False  # selected by a @provides of this subgraph

    @property
    def fully_external(self) -> bool:
        return self.external and not self.provided


@dataclass
class SubEnumValue:
    name: str
    description: str | None = None
    deprecated: Applied | None = None
    inaccessible: bool = False
    applied: list[Applied] = field(default_factory=list)


@dataclass
class SubType:
    name: str
    kind: str  # OBJECT, INTERFACE, UNION, ENUM, INPUT_OBJECT, SCALAR
    description: str | None = None
    fields: dict[str, SubField] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: dict[str, SubEnumValue] = field(default_factory=dict)
    keys: list[Key] = field(default_factory=list)
    shareable: bool = False
    interface_object: bool = False
    extension: bool = False
    extends_directive: bool = False
    inaccessible: bool = False
    applied: list[Applied] = field(default_factory=list)

    @property
    def merged_kind(self) -> str:
        """The kind in the supergraph: an ``@interfaceObject`` stands for an interface."""
        return "INTERFACE" if self.interface_object else self.kind


@dataclass
class Subgraph:
    """One subgraph as composition sees it."""

    name: str
    url: str
    version: tuple[int, int] | None
    types: dict[str, SubType]
    schema: GraphQLSchema
    roots: dict[str, str] = field(default_factory=dict)  # operation -> root type name
    executable_directives: dict[str, DirectiveDefinitionNode] = field(default_factory=dict)
    # @composeDirective'd directives: name -> (spec url, import entry, definition)
    composed_directives: dict[str, tuple[str, str, Any]] = field(default_factory=dict)

    @property
    def is_fed2(self) -> bool:
        return self.version is not None

    def is_entity(self, type_name: str) -> bool:
        sub_type = self.types.get(type_name)
        return sub_type is not None and bool(sub_type.keys)
