"""Mutable selection buffers the walk fills, one per fetch (and per representation shape).

A buffer is an ordered set of fields (keyed by response key and directives, so the same field
selected twice merges) and inline fragments (keyed by type condition and directives). Rendering
follows graphql-js ``print`` layout (two-space indentation), so operations read like Apollo's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["FieldEntry", "FragmentEntry", "SelectionBuffer"]


@dataclass(eq=False, slots=True)
class FieldEntry:
    """A field in a fetch: ``alias: name(arguments) directives { sub }``."""

    response_key: str
    name: str
    alias: str | None
    arguments: str
    directives: str
    variables: tuple[str, ...]
    sub: SelectionBuffer | None
    type_ref: str = ""
    """The field's type in the fetch's subgraph (``ID!``), for response-shape checks."""

    def head(self) -> str:
        text = f"{self.alias}: {self.name}" if self.alias else self.name
        if self.arguments:
            text += f"({self.arguments})"
        if self.directives:
            text += f" {self.directives}"
        return text


@dataclass(eq=False, slots=True)
class FragmentEntry:
    """An inline fragment in a fetch: ``... on T directives { sub }``."""

    type_condition: str | None
    directives: str
    variables: tuple[str, ...]
    sub: SelectionBuffer

    def head(self) -> str:
        text = "..."
        if self.type_condition:
            text += f" on {self.type_condition}"
        if self.directives:
            text += f" {self.directives}"
        return text


Entry = FieldEntry | FragmentEntry


@dataclass(eq=False, slots=True)
class SelectionBuffer:
    """An ordered, merging selection set under construction."""

    entries: dict[tuple[str, str, str], Entry] = field(default_factory=dict)

    def add_field(
        self,
        response_key: str,
        name: str,
        *,
        alias: str | None = None,
        arguments: str = "",
        directives: str = "",
        variables: tuple[str, ...] = (),
        composite: bool = False,
        first: bool = False,
        type_ref: str = "",
    ) -> FieldEntry:
        """Add (or find) a field; ``composite`` fields get a sub-buffer."""
        key = ("field", response_key, directives)
        entry = self.entries.get(key)
        if isinstance(entry, FieldEntry):
            if composite and entry.sub is None:
                entry.sub = SelectionBuffer()
            return entry
        new = FieldEntry(
            response_key,
            name,
            alias,
            arguments,
            directives,
            variables,
            SelectionBuffer() if composite else None,
            type_ref,
        )
        if first:
            self.entries = {key: new, **self.entries}
        else:
            self.entries[key] = new
        return new

    def add_typename(self) -> None:
        """``__typename`` first (for abstract types and entity representations)."""
        self.add_field("__typename", "__typename", first=True, type_ref="String!")

    def fragment(
        self, type_condition: str | None, directives: str = "", variables: tuple[str, ...] = ()
    ) -> SelectionBuffer:
        """The sub-buffer of ``... on type_condition directives`` (created on first use)."""
        key = ("fragment", type_condition or "", directives)
        entry = self.entries.get(key)
        if not isinstance(entry, FragmentEntry):
            entry = FragmentEntry(type_condition, directives, variables, SelectionBuffer())
            self.entries[key] = entry
        return entry.sub

    def find_field(self, response_key: str) -> FieldEntry | None:
        """A field with this response key (any directives), if present."""
        for entry in self.entries.values():
            if isinstance(entry, FieldEntry) and entry.response_key == response_key:
                return entry
        return None

    def is_empty(self) -> bool:
        return not any(
            isinstance(e, FieldEntry) or not e.sub.is_empty() for e in self.entries.values()
        )

    def variables(self) -> list[str]:
        """Variables used anywhere in the rendered buffer, in first-use order.

        Mirrors :meth:`render`: an empty fragment is not printed, so its directives' variables
        are not used (spec 5.8.4 "All Variables Used": a subgraph refuses unused variables).
        """
        names: list[str] = []
        for entry in self.entries.values():
            if isinstance(entry, FragmentEntry) and entry.sub.is_empty():
                continue
            names.extend(entry.variables)
            if entry.sub is not None:
                names.extend(entry.sub.variables())
        return list(dict.fromkeys(names))

    def render(self, indent: int = 0) -> str:
        """``{ ... }`` with graphql-js layout; ``indent`` is the depth of the opening brace."""
        pad = "  " * (indent + 1)
        lines = ["{"]
        for entry in self.entries.values():
            if isinstance(entry, FragmentEntry) and entry.sub.is_empty():
                continue
            if entry.sub is None:
                lines.append(pad + entry.head())
            elif entry.sub.is_empty():
                # everything below is fetched elsewhere: keep the field valid and present
                lines.append(f"{pad}{entry.head()} {{\n{pad}  __typename\n{pad}}}")
            else:
                lines.append(f"{pad}{entry.head()} {entry.sub.render(indent + 1)}")
        lines.append("  " * indent + "}")
        return "\n".join(lines)
