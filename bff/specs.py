"""What a loader fetches: an entity selection (:class:`EntitySpec`) or a root field call
(:class:`RootField`); plain data shared by the loaders and the step batcher."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

__all__ = ["EntitySpec", "RootField", "RootTemplate", "literal", "short_hash"]


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def literal(value: str | int | None) -> str:
    """A GraphQL literal for a root field's argument (JSON's string escapes are GraphQL's)."""
    if value is None:
        return "null"
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"unsupported literal {value!r}")
    return json.dumps(value) if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class EntitySpec:
    """One entity type fetched with one selection through a list-by-keys root field."""

    name: str
    """Names the cache kind (``WebProductCard``)."""
    root_field: str
    argument: str
    argument_type: str
    selection: str
    ttl_seconds: int
    tag_prefix: str
    """Invalidation tag of key ``k`` is ``{tag_prefix}:{k}`` (e.g. ``Product:1``)."""

    @property
    def kind(self) -> str:
        """The cache kind: the selection is part of it, so a changed selection is a new kind."""
        return f"{self.name}:{short_hash(self.selection)}"


@dataclass(frozen=True)
class RootField:
    """A root field call with literal arguments and its selection, e.g. ``topProducts(first: 8)``."""

    text: str
    ttl_seconds: int = 0
    """0: never cached (identity-dependent fields such as ``me``)."""
    tags: tuple[str, ...] = field(default=(), compare=False)

    @property
    def cache_key(self) -> str:
        return short_hash(self.text)


_VARIABLE = re.compile(r"\$(\w+)")


@dataclass(frozen=True)
class RootTemplate:
    """A root field call written once with ``$variables``: the resolvers fill it with literals
    (:meth:`call`), ``bff-manifest`` renders it as a standalone router operation declaring them
    (``bff.router_manifest``), so the registry checks exactly what the BFF sends."""

    name: str
    """The operation name suffix (``TopProducts`` becomes ``BffWeb_TopProducts``)."""
    text: str
    """``topProducts(first: $first) { upc }``."""
    variables: tuple[tuple[str, str], ...] = ()
    """Each variable with its GraphQL type, in declaration order: ``(("first", "Int!"),)``."""

    def call(
        self, ttl_seconds: int = 0, tags: tuple[str, ...] = (), **values: str | int | None
    ) -> RootField:
        """The :class:`RootField` with every ``$variable`` replaced by its literal value."""
        declared = {name for name, _ in self.variables}
        if set(values) != declared:
            raise TypeError(f"{self.name} takes {sorted(declared)}, got {sorted(values)}")
        text = _VARIABLE.sub(lambda m: literal(values[m.group(1)]), self.text)
        return RootField(text, ttl_seconds, tags)
