"""``@cacheControl`` hints of a subgraph and the ``Cache-Control`` header of its responses.

Apollo Server's cache control plugin, statically over the operation (the subgraphs here
resolve no dynamic hints): a field's hint is its return type's ``@cacheControl`` restricted by
the field's own (a field's ``maxAge`` replaces its type's); a root field or a field returning a
composite type without a ``maxAge`` (and without ``inheritMaxAge``) gets the default 0 (not
cacheable); scalar fields only add their own hints. ``_entities`` answers each entity with its
type's hint (what ``@apollo/subgraph``'s entities resolver does). The response header is
``max-age=N, public|private`` for a cacheable query answered without errors and ``no-store``
otherwise (``calculateHttpHeaders``), which Apollo Router and Hive Gateway merge per response.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import orjson
from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    is_composite_type,
    parse,
)
from graphql.language import BooleanValueNode, EnumValueNode, IntValueNode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.cache_control import NOT_CACHEABLE, CachePolicy

__all__ = ["CACHE_CONTROL_SDL", "CacheControlHeaders", "CacheHints", "Hint"]

CACHE_CONTROL_SDL = """
enum CacheControlScope { PUBLIC PRIVATE }
directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean)
  on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
"""
"""Apollo Server's definition of the directive (what a schema-first subgraph declares)."""

Hint = tuple[int | None, bool, bool]
"""maxAge, PRIVATE, inheritMaxAge of one ``@cacheControl``."""


def _hint(directives: Iterable[DirectiveNode] | None) -> Hint | None:
    for directive in directives or ():
        if directive.name.value != "cacheControl":
            continue
        max_age: int | None = None
        private = inherit = False
        for argument in directive.arguments:
            value = argument.value
            if argument.name.value == "maxAge" and isinstance(value, IntValueNode):
                max_age = int(value.value)
            elif argument.name.value == "scope" and isinstance(value, EnumValueNode):
                private = value.value == "PRIVATE"
            elif argument.name.value == "inheritMaxAge" and isinstance(value, BooleanValueNode):
                inherit = value.value
        return max_age, private, inherit
    return None


class CacheHints:
    """The ``@cacheControl`` hints of one schema and the policy of an operation over it."""

    def __init__(self, schema: GraphQLSchema, nodes: Iterable[Any]) -> None:
        """``nodes``: the type definitions and extensions carrying the directives (the SDL's,
        or the schema's own AST nodes)."""
        self.schema = schema
        self.types: dict[str, Hint] = {}
        self.fields: dict[tuple[str, str], Hint] = {}
        for node in nodes:
            name = getattr(getattr(node, "name", None), "value", None)
            if name is None:
                continue
            found = _hint(getattr(node, "directives", None))
            if found is not None:
                self.types[name] = found
            for field in getattr(node, "fields", None) or ():
                found = _hint(getattr(field, "directives", None))
                if found is not None:
                    self.fields[(name, field.name.value)] = found
        self.policy = lru_cache(maxsize=2048)(self._policy)

    @classmethod
    def from_sdl(cls, schema: GraphQLSchema, sdl: str) -> CacheHints:
        return cls(schema, parse(sdl, no_location=True).definitions)

    @classmethod
    def from_schema(cls, schema: GraphQLSchema) -> CacheHints:
        """From the AST nodes a schema-first (SDL-built) schema keeps on its types."""
        nodes: list[Any] = []
        for named in schema.type_map.values():
            if named.ast_node is not None:
                nodes.append(named.ast_node)
            nodes.extend(named.extension_ast_nodes or ())
        return cls(schema, nodes)

    def _policy(self, query: str, operation_name: str | None) -> CachePolicy:
        """The policy of a query (not cacheable for a mutation or a subscription)."""
        try:
            document = parse(query, no_location=True)
        except Exception:
            return NOT_CACHEABLE
        operation = _operation(document, operation_name)
        if operation is None or operation.operation.value != "query":
            return NOT_CACHEABLE
        root = self.schema.query_type
        if root is None:
            return NOT_CACHEABLE
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        policy = self._walk(operation.selection_set, root, fragments, CachePolicy(), root=True)
        return policy if policy.max_age is not None else NOT_CACHEABLE

    def _restrict(self, policy: CachePolicy, hint: Hint | None, default: bool) -> CachePolicy:
        max_age, private, inherit = hint if hint is not None else (None, False, False)
        if max_age is None and default and not inherit:
            max_age = 0
        return policy.restrict(CachePolicy(max_age, private))

    def _walk(
        self,
        selections: SelectionSetNode,
        parent: GraphQLNamedType,
        fragments: dict[str, FragmentDefinitionNode],
        policy: CachePolicy,
        *,
        root: bool = False,
    ) -> CachePolicy:
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                policy = self._field(selection, parent, fragments, policy, root)
            elif isinstance(selection, InlineFragmentNode):
                target = self._type(selection.type_condition, parent)
                policy = self._walk(selection.selection_set, target, fragments, policy, root=root)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    target = self._type(fragment.type_condition, parent)
                    policy = self._walk(
                        fragment.selection_set, target, fragments, policy, root=root
                    )
        return policy

    def _type(self, condition: Any, parent: GraphQLNamedType) -> GraphQLNamedType:
        if condition is None:
            return parent
        found = self.schema.get_type(condition.name.value)
        return found if found is not None else parent

    def _field(
        self,
        node: FieldNode,
        parent: GraphQLNamedType,
        fragments: dict[str, FragmentDefinitionNode],
        policy: CachePolicy,
        root: bool,
    ) -> CachePolicy:
        name = node.name.value
        if name.startswith("__"):
            return policy
        if root and name == "_entities" and node.selection_set is not None:
            for selection in node.selection_set.selections:  # each entity: its type's hint
                if isinstance(selection, InlineFragmentNode) and selection.type_condition:
                    target = self._type(selection.type_condition, parent)
                    hint = self.types.get(target.name)
                    policy = self._restrict(policy, hint, default=True)
                    policy = self._walk(selection.selection_set, target, fragments, policy)
            return policy
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return policy
        definition = parent.fields.get(name)
        if definition is None:
            return NOT_CACHEABLE if root else policy
        named = get_named_type(definition.type)
        composite = is_composite_type(named)
        hint = self.types.get(named.name) if composite else None
        own = self.fields.get((parent.name, name))
        if own is not None:
            base = hint or (None, False, False)
            max_age = own[0] if own[0] is not None else (None if own[2] else base[0])
            hint = (max_age, base[1] or own[1], own[2] or (base[2] and own[0] is None))
        policy = self._restrict(policy, hint, default=composite or root)
        if node.selection_set is not None and composite:
            policy = self._walk(node.selection_set, named, fragments, policy)
        return policy


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


class CacheControlHeaders:
    """ASGI middleware: sets ``Cache-Control`` on every JSON answer of ``POST /graphql``."""

    def __init__(self, app: ASGIApp, hints: CacheHints, path: str = "/graphql") -> None:
        self.app = app
        self.hints = hints
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        request: list[bytes] = []
        response: list[Message] = []

        async def receive_recorded() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request.append(message.get("body", b""))
            return message

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                response.append(message)
                return
            if message["type"] == "http.response.body" and response:
                response.append(message)
                if message.get("more_body", False):
                    return
                start, *bodies = response
                response.clear()
                body = b"".join(part.get("body", b"") for part in bodies)
                value = self._header(b"".join(request), body).encode()
                headers = [(k, v) for k, v in start["headers"] if k.lower() != b"cache-control"]
                await send({**start, "headers": [*headers, (b"cache-control", value)]})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive_recorded, send_with_header)

    def _header(self, request: bytes, response: bytes) -> str:
        if b'"errors"' in response:  # cheap: only an answer that may hold errors is parsed
            try:
                answer = orjson.loads(response)
            except orjson.JSONDecodeError:
                return "no-store"
            if not isinstance(answer, dict) or answer.get("errors"):
                return "no-store"
        try:
            params = orjson.loads(request)
        except orjson.JSONDecodeError:
            return "no-store"
        if not isinstance(params, dict):
            return "no-store"
        query, name = params.get("query"), params.get("operationName")
        if not isinstance(query, str) or not (name is None or isinstance(name, str)):
            return "no-store"
        return self.hints.policy(query, name).header()
