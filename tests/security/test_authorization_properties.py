"""Properties of the authorization filter over generated operations on the fixture supergraph:
the rewritten operation always validates, filtering is idempotent, and a caller holding every
scope loses nothing."""

from __future__ import annotations

from graphql import (
    GraphQLNamedType,
    GraphQLObjectType,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    parse,
    print_ast,
    validate,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from router.security.authorization import authorize_operation
from router.security.authorization_rules import AuthorizationRules
from servicekit.auth import ANONYMOUS, Principal
from tests.security.supergraph_fixture import SCHEMA, SUPERGRAPH_SDL

RULES = AuthorizationRules.from_sdl(SUPERGRAPH_SDL)
ALL_SCOPES = frozenset(
    scope
    for requirement in RULES.by_coordinate.values()
    for options in requirement.scopes
    for needed in options
    for scope in needed
)
ARGUMENTS = {"node": '(id: "1")', "search": '(text: "a")', "deleteUser": '(id: "1")'}


@st.composite
def selection(draw: st.DrawFn, type_: GraphQLNamedType, depth: int) -> str:
    """A non-empty selection set text for ``type_``."""
    if is_abstract_type(type_):
        options = list(SCHEMA.get_possible_types(type_))  # type: ignore[arg-type]
        picked = draw(st.lists(st.sampled_from(options), min_size=1, max_size=2, unique=True))
        inner = [f"... on {t.name} {{ {draw(selection(t, depth))} }}" for t in picked]
        return "__typename " + " ".join(inner)
    assert isinstance(type_, GraphQLObjectType)
    names = draw(
        st.lists(st.sampled_from(sorted(type_.fields)), min_size=1, max_size=4, unique=True)
    )
    parts = []
    for name in names:
        returned = get_named_type(type_.fields[name].type)
        head = name + ARGUMENTS.get(name, "")
        if is_leaf_type(returned):
            parts.append(head)
        elif depth > 0:
            parts.append(f"{head} {{ {draw(selection(returned, depth - 1))} }}")
    return " ".join(parts) or "__typename"


principals = st.one_of(
    st.just(ANONYMOUS),
    st.builds(
        Principal,
        st.just("user-1"),
        st.frozensets(st.sampled_from(sorted(ALL_SCOPES))),
    ),
)


@settings(max_examples=40, deadline=None)
@given(query=selection(SCHEMA.query_type, 3), principal=principals)  # type: ignore[arg-type]
def test_rewritten_operations_validate_and_filtering_is_idempotent(
    query: str, principal: Principal
) -> None:
    document = parse("{ " + query + " }")
    assert validate(SCHEMA, document) == []
    first = authorize_operation(SCHEMA, RULES, document, principal=principal)
    assert validate(SCHEMA, first.document) == []
    second = authorize_operation(SCHEMA, RULES, first.document, principal=principal)
    assert second.unauthorized_paths == ()
    assert print_ast(second.document) == print_ast(first.document)


@settings(max_examples=40, deadline=None)
@given(query=selection(SCHEMA.query_type, 3))  # type: ignore[arg-type]
def test_a_caller_with_every_scope_loses_nothing(query: str) -> None:
    document = parse("{ " + query + " }")
    everything = Principal("root", ALL_SCOPES)
    result = authorize_operation(SCHEMA, RULES, document, principal=everything)
    assert (result.document, result.unauthorized_paths, result.changed) == (document, (), False)
