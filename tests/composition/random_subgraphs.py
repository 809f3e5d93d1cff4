"""Seeded random subgraph sets for the randomized cross-check with @apollo/composition.

Each seed gives 2-4 Federation 2 subgraphs over a few shared types: entities and value types,
shareable and non-shareable fields, ``@external`` + ``@requires``, ``@override``, ``@tag``,
``@inaccessible``, an interface, an enum used as input and output, links between types. Many
sets compose, many fail (field sharing, enum values, satisfiability): both must agree.
"""

from __future__ import annotations

import random

__all__ = ["random_subgraphs"]

_IMPORTS = '["@key", "@shareable", "@external", "@requires", "@provides", "@inaccessible", "@tag", "@override"]'
_FIELD_TYPES = ["Int", "String", "Int!", "String!", "[Int]", "Color"]


class _Generator:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.types = [f"T{i}" for i in range(self.r.randint(2, 5))]
        self.field_type = {(t, f): self.r.choice(_FIELD_TYPES) for t in self.types for f in "abcde"}
        self.entity = {t: self.r.random() < 0.7 for t in self.types}
        self.interfaces = self.r.random() < 0.4
        self.defined: set[tuple[str, str]] = set()

    def type_fields(self, index: int, type_name: str) -> tuple[list[str], bool]:
        fields, external, uses_color = ["id: ID!"], [], False
        for name in "abcde":
            field_type = self.field_type[(type_name, name)]
            if self.r.random() < 0.45:
                directives = []
                if not self.entity[type_name] or self.r.random() < 0.85:
                    directives.append("@shareable")
                if self.r.random() < 0.08:
                    directives.append('@tag(name: "x")')
                if self.r.random() < 0.04:
                    directives.append("@inaccessible")
                if index > 0 and self.r.random() < 0.05:
                    directives = [f'@override(from: "s{self.r.randint(0, index - 1)}")']
                fields.append(f"{name}: {field_type} {' '.join(directives)}".rstrip())
                self.defined.add((type_name, name))
            elif (
                self.entity[type_name]
                and (type_name, name) in self.defined
                and self.r.random() < 0.2
            ):
                fields.append(f"{name}: {field_type} @external")
                external.append(name)
            else:
                continue
            uses_color = uses_color or field_type == "Color"
        if external:
            fields.append(f'need{index}: Int @requires(fields: "{" ".join(external)}")')
        return fields, uses_color

    def subgraph(self, index: int) -> str:
        r = self.r
        lines = [
            'extend schema @link(url: "https://specs.apollo.dev/federation/'
            f'v2.{r.choice([3, 5, 7, 9])}", import: {_IMPORTS})'
        ]
        present = [t for t in self.types if r.random() < 0.7] or [self.types[0]]
        roots = [f"  q{index}{t}: [{t}]" for t in present if r.random() < 0.4]
        if r.random() < 0.3:
            roots.append("  shared: Int @shareable")
        uses_color = r.random() < 0.3
        if uses_color:
            roots.append(f"  f{index}(c: Color, n: Int): Int")
        lines.append("type Query {\n" + "\n".join(roots or [f"  q{index}: Int"]) + "\n}")
        if self.interfaces:
            lines.append("interface Node { id: ID! }")
        for type_name in present:
            fields, color = self.type_fields(index, type_name)
            uses_color = uses_color or color
            if r.random() < 0.2:
                fields.append(f"link{index}: {r.choice(present)}")
            implements = " implements Node" if self.interfaces and r.random() < 0.5 else ""
            key = ' @key(fields: "id")' if self.entity[type_name] else " @shareable"
            if self.entity[type_name] and r.random() < 0.1:
                key = ' @key(fields: "id", resolvable: false)'
            lines.append(f"type {type_name}{implements}{key} {{\n  " + "\n  ".join(fields) + "\n}")
        if uses_color or r.random() < 0.3:
            values = [v for v in ("RED", "GREEN", "BLUE") if r.random() < 0.95] or ["RED"]
            lines.append("enum Color { " + " ".join(values) + " }")
        return "\n".join(lines) + "\n"


def random_subgraphs(seed: int) -> list[tuple[str, str]]:
    """The subgraph set of ``seed``: [(name, sdl), ...]."""
    generator = _Generator(seed)
    return [(f"s{i}", generator.subgraph(i)) for i in range(generator.r.randint(2, 4))]
