"""@authenticated / @requiresScopes: which fields are removed for which caller, the rewritten
operation (compared printed, whole) and the UNAUTHORIZED_FIELD_OR_TYPE errors at their paths."""

from __future__ import annotations

from typing import Any

from graphql import parse, print_ast, validate

from router.security.authorization import authorize_operation
from router.security.authorization_rules import AuthorizationRules, Requirement
from servicekit.auth import ANONYMOUS, Principal
from tests.security.supergraph_fixture import SCHEMA, SUPERGRAPH_SDL

RULES = AuthorizationRules.from_sdl(SUPERGRAPH_SDL)
SIGNED_IN = Principal("user-1")


def with_scopes(*scopes: str) -> Principal:
    return Principal("user-1", frozenset(scopes))


def run(
    query: str,
    principal: Principal = ANONYMOUS,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
) -> tuple[str, list[list[str]]]:
    """The rewritten operation (printed) and the error paths; the result must stay valid."""
    result = authorize_operation(
        SCHEMA, RULES, parse(query), operation_name, variables, principal=principal
    )
    assert validate(SCHEMA, result.document) == []
    for error in result.errors():
        assert error["message"] == "Unauthorized field or type"
        assert error["extensions"] == {"code": "UNAUTHORIZED_FIELD_OR_TYPE"}
    return print_ast(result.document), [error["path"] for error in result.errors()]


def printed(query: str) -> str:
    return print_ast(parse(query))


def test_rules_are_read_from_the_supergraph() -> None:
    assert RULES.by_coordinate == {
        "Query.me": Requirement(authenticated=True),
        "Staff.note": Requirement(authenticated=True),
        "User.orders": Requirement(authenticated=True),
        "Role": Requirement(authenticated=True),
        "Secret": Requirement(authenticated=True),
        "Query.auditLog": Requirement(scopes=((frozenset({"audit:read"}), frozenset({"admin"})),)),
        "Mutation.deleteUser": Requirement(scopes=((frozenset({"users:write", "admin"}),),)),
        "User.email": Requirement(scopes=((frozenset({"profile:email"}),),)),
        "Money": Requirement(scopes=((frozenset({"billing"}),),)),
        "Product.internalCost": Requirement(scopes=((frozenset({"staff"}),),)),
    }


def test_anonymous_loses_authenticated_root_field_and_scoped_fields_in_lists() -> None:
    document, paths = run("{ me { id } users { id username email role } topProducts { upc } }")
    assert document == printed("{ users { id username } topProducts { upc } }")
    assert paths == [["me"], ["users", "@", "email"], ["users", "@", "role"]]


def test_authenticated_caller_without_scopes() -> None:
    document, paths = run("{ me { id email role orders { id total } } auditLog { id } }", SIGNED_IN)
    assert document == printed("{ me { id role orders { id } } }")
    assert paths == [["me", "email"], ["me", "orders", "@", "total"], ["auditLog"]]


def test_scopes_are_an_or_of_and_lists() -> None:
    query = "{ auditLog { id } }"
    assert run(query, with_scopes("admin")) == (printed(query), [])
    assert run(query, with_scopes("audit:read")) == (printed(query), [])
    assert run(query, with_scopes("audit:write"))[1] == [["auditLog"]]
    mutation = 'mutation { deleteUser(id: "1") }'
    assert run(mutation, with_scopes("users:write", "admin")) == (printed(mutation), [])
    assert run(mutation, with_scopes("admin", "extra")) == (
        printed("mutation { __typename }"),
        [["deleteUser"]],
    )


def test_scoped_requirement_also_requires_authentication() -> None:
    assert run("{ auditLog { id } }")[1] == [["auditLog"]]


def test_aliases_appear_in_paths() -> None:
    document, paths = run("{ people: users { mail: email name: username } }")
    assert document == printed("{ people: users { name: username } }")
    assert paths == [["people", "@", "mail"]]


def test_emptied_selection_sets_keep_typename_so_the_shaper_can_null() -> None:
    document, paths = run("{ users { email } }")
    assert document == printed("{ users { __typename } }")
    assert paths == [["users", "@", "email"]]


def test_named_fragments_are_filtered_once_and_reported_per_spread() -> None:
    query = """
    query Q { users { ...U } me { ...U } topProducts { ...P } }
    fragment U on User { id email }
    fragment P on Product { internalCost }
    """
    document, paths = run(query, SIGNED_IN, operation_name="Q")
    assert document == printed(
        """
        query Q { users { ...U } me { ...U } topProducts { __typename } }
        fragment U on User { id }
        """
    )
    assert paths == [["users", "@", "email"], ["me", "email"], ["topProducts", "@", "internalCost"]]


def test_fragments_on_unauthorized_types_are_removed() -> None:
    query = """
    { search(text: "a") { ... on Product { upc } ... on Secret { code } ...S } }
    fragment S on Secret { id }
    """
    document, paths = run(query)
    assert document == printed('{ search(text: "a") { ... on Product { upc } } }')
    assert paths == [["search", "@"], ["search", "@"]]
    assert run(query, SIGNED_IN) == (printed(query), [])


def test_interface_field_must_be_allowed_on_every_implementation() -> None:
    document, paths = run("{ identities { id note } }")
    assert document == printed("{ identities { id } }")
    assert paths == [["identities", "@", "note"]]
    fragment = "{ identities { ... on Guest { note } } }"
    assert run(fragment) == (printed(fragment), [])


def test_interface_return_type_needs_every_implementation_unless_fragments_pick_types() -> None:
    document, paths = run(
        "query ($id: ID!) { node(id: $id) { id } users { id } }", variables={"id": "1"}
    )
    assert document == printed("{ users { id } }")  # the now unused $id is dropped too
    assert paths == [["node"]]
    picked = '{ node(id: "1") { ... on Product { upc } } }'
    assert run(picked) == (printed(picked), [])


def test_skipped_selections_are_dropped_without_errors() -> None:
    query = "query ($hide: Boolean!) { users { id email @skip(if: $hide) } }"
    document, paths = run(query, variables={"hide": True})
    assert document == printed("{ users { id } }")  # $hide is no longer used
    assert paths == []
    assert run(query, variables={"hide": False})[1] == [["users", "@", "email"]]


def test_nothing_to_remove_returns_the_same_document() -> None:
    document = parse("{ users { id } }")
    result = authorize_operation(SCHEMA, RULES, document, None, None, principal=ANONYMOUS)
    assert result.document is document
    assert (result.unauthorized_paths, result.changed) == ((), False)
    no_rules = authorize_operation(
        SCHEMA, AuthorizationRules(), parse("{ me { id } }"), None, None, principal=ANONYMOUS
    )
    assert (no_rules.unauthorized_paths, no_rules.changed) == ((), False)


def test_only_the_selected_operation_is_kept() -> None:
    query = "query A { me { id } } query B { users { email } }"
    document, paths = run(query, operation_name="B")
    assert document == printed("query B { users { __typename } }")
    assert paths == [["users", "@", "email"]]


def test_directive_names_follow_link_renames() -> None:
    sdl = """
    schema
      @link(url: "https://specs.apollo.dev/link/v1.0")
      @link(url: "https://specs.apollo.dev/authenticated/v0.1", as: "signedIn")
      @link(url: "https://specs.apollo.dev/federation/v2.9", import: [{name: "@requiresScopes", as: "@scopes"}])
    { query: Query }
    type Query {
      a: Int @signedIn
      b: Int @authenticated
      c: Int @scopes(scopes: ["x", ["y", "z"]])
    }
    """
    assert AuthorizationRules.from_sdl(sdl).by_coordinate == {
        "Query.a": Requirement(authenticated=True),
        "Query.c": Requirement(scopes=((frozenset({"x"}), frozenset({"y", "z"})),)),
    }


def test_reject_mode_refuses_the_whole_operation() -> None:
    result = authorize_operation(
        SCHEMA, RULES, parse("{ me { id } users { id } }"), principal=ANONYMOUS
    )
    rejection = result.rejection()
    assert rejection is not None and rejection.status_hint == 403
    assert rejection.to_dict() == {
        "errors": [
            {
                "message": "Unauthorized field or type",
                "path": ["me"],
                "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
            }
        ]
    }
    allowed = authorize_operation(SCHEMA, RULES, parse("{ users { id } }"), principal=ANONYMOUS)
    assert allowed.rejection() is None
