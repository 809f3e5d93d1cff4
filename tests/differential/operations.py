"""The differential corpus: (id, query, variables) triples sent to both gateways.

DOMAIN runs over the five domain subgraphs (anonymous, never touching @authenticated fields);
FIXTURE over the small Strawberry fixture subgraphs (tests/execution/fixtures); DOWN over the
fixture subgraphs with ``inventory`` pointed at a dead port.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DOMAIN", "DOWN", "FIXTURE", "REFERENCE_ALIAS_BUG", "Operation"]

Operation = tuple[str, str, dict[str, Any] | None]

P1, P2 = "100000000001", "100000000002"

DOMAIN: list[Operation] = [
    ("d_top_products", "{ topProducts { upc name price } }", None),
    ("d_top_products_first", "{ topProducts(first: 3) { upc name category } }", None),
    (
        "d_entities_product_reviews_authors",
        f'{{ product(upc: "{P1}") {{ name reviews {{ body rating author {{ username name }} }} }} }}',
        None,
    ),
    ("d_requires_shipping_only", "{ topProducts { upc shippingEstimate } }", None),
    (
        "d_requires_with_external_fields",
        "{ topProducts { price weight shippingEstimate inStock stockQuantity } }",
        None,
    ),
    ("d_provides_username", "{ recentReviews(first: 5) { id author { username } } }", None),
    (
        "d_provides_and_accounts_field",
        "{ recentReviews(first: 5) { author { username name } } }",
        None,
    ),
    (
        "d_user_reviews_products",
        '{ user(id: "1") { name reviews { rating product { name price } } } }',
        None,
    ),
    ("d_users_by_id_with_unknown", '{ usersById(ids: ["1", "999", "2"]) { id name } }', None),
    (
        "d_products_by_upc_with_unknown",
        f'{{ productsByUpc(upcs: ["{P1}", "nope"]) {{ upc name inStock }} }}',
        None,
    ),
    ("d_unknown_user", '{ user(id: "999") { name reviews { body } } }', None),
    ("d_unknown_product", '{ product(upc: "nope") { name shippingEstimate } }', None),
    (
        "d_aliases",
        f'{{ a: product(upc: "{P1}") {{ name }} b: product(upc: "{P2}") {{ n: name p: price }} }}',
        None,
    ),
    ("d_alias_swaps_key", "{ topProducts(first: 2) { upc: name name: upc inStock } }", None),
    (
        "d_alias_key_on_entity_field",
        "{ topProducts(first: 2) { upc: price reviews { id: body } } }",
        None,
    ),
    (
        "d_alias_key_with_requires",
        "{ topProducts(first: 2) { weight: price price: shippingEstimate } }",
        None,
    ),
    (
        "d_typename_everywhere",
        "{ __typename topProducts(first: 2) { __typename upc reviews { __typename author "
        "{ __typename } } } }",
        None,
    ),
    ("d_typename_root_only", "{ __typename }", None),
    (
        "d_named_fragments",
        "query { topProducts(first: 2) { ...P } } fragment P on Product { name ...R } "
        "fragment R on Product { reviews { body } }",
        None,
    ),
    (
        "d_inline_fragments",
        "{ topProducts(first: 2) { ... on Product { name } ... { upc inStock } } }",
        None,
    ),
    (
        "d_skip_include_literals",
        "{ topProducts(first: 2) { name inStock @skip(if: true) price @include(if: true) "
        "reviews @include(if: false) { body } } }",
        None,
    ),
    (
        "d_include_variable_true",
        "query($r: Boolean!) { topProducts(first: 2) { name reviews @include(if: $r) { body } } }",
        {"r": True},
    ),
    (
        "d_include_variable_false",
        "query($r: Boolean!) { topProducts(first: 2) { name reviews @include(if: $r) { body } } }",
        {"r": False},
    ),
    (
        "d_skip_variable_on_inline_fragment",
        "query($s: Boolean!) { topProducts(first: 2) { name ... on Product @skip(if: $s) "
        "{ inStock shippingEstimate } } }",
        {"s": True},
    ),
    (
        "d_variable_default_used",
        "query($first: Int = 2) { topProducts(first: $first) { upc } }",
        None,
    ),
    (
        "d_variable_default_overridden",
        "query($first: Int = 2) { topProducts(first: $first) { upc } }",
        {"first": 4},
    ),
    (
        "d_variable_upc",
        "query($upc: String!) { product(upc: $upc) { name shippingEstimate } }",
        {"upc": P2},
    ),
    (
        "d_nested_lists",
        "{ users(first: 3) { username reviews { product { name reviews { rating } } } } }",
        None,
    ),
    (
        "d_users_connection",
        "{ usersConnection(first: 2) { edges { cursor node { name reviews { rating } } } "
        "pageInfo { hasNextPage endCursor } } }",
        None,
    ),
    (
        "d_products_connection",
        "{ productsConnection(first: 3) { edges { node { name reviewSummary { count "
        "averageRating } } } pageInfo { hasNextPage } } }",
        None,
    ),
    (
        "d_shareable_page_info",
        "{ usersConnection(first: 1) { pageInfo { hasNextPage } } "
        "productsConnection(first: 1) { pageInfo { hasNextPage } } }",
        None,
    ),
    (
        "d_reviews_connection",
        f'{{ product(upc: "{P1}") {{ reviewsConnection(first: 2) {{ edges {{ node '
        f"{{ rating }} }} pageInfo {{ endCursor }} }} }} }}",
        None,
    ),
    (
        "d_review_by_id_across",
        '{ review(id: "1") { body product { name shippingEstimate } author { username '
        "reviews { id } } } }",
        None,
    ),
    (
        "d_deep_requires_via_reviews",
        '{ user(id: "2") { reviews { product { shippingEstimate inStock } } } }',
        None,
    ),
    (
        "d_login_wrong_password_mutation",
        'mutation { login(username: "nobody", password: "wrong") { token } }',
        None,
    ),
    (
        "d_validation_unknown_field",
        "{ topProducts { nope } }",
        None,
    ),
    (
        "d_missing_required_variable",
        "query($upc: String!) { product(upc: $upc) { name } }",
        None,
    ),
    (
        "d_variable_wrong_type",
        "query($upc: String!) { product(upc: $upc) { name } }",
        {"upc": 5},
    ),
    (
        "d_include_variable_default_on_requires",
        "query($i: Boolean = true) { topProducts(first: 2) { shippingEstimate @include(if: $i) } }",
        None,
    ),
    (
        "d_same_field_twice_aliased",
        "{ topProducts(first: 1) { a: reviews { rating } b: reviews { body } } }",
        None,
    ),
    ("d_order_by_id", '{ order(id: "1") { id total status } }', None),
    (
        "d_introspection_type",
        '{ __type(name: "ReviewSummary") { name fields { name type { name kind } } } }',
        None,
    ),
    ("d_mutation_typename", "mutation { __typename }", None),
]

FIXTURE: list[Operation] = [
    ("f_me", "{ me { id name username } }", None),
    ("f_users_reviews", "{ users { name reviews { body } } }", None),
    (
        "f_requires_with_externals",
        "{ topProducts { name price weight shippingEstimate inStock } }",
        None,
    ),
    ("f_requires_only", "{ topProducts { shippingEstimate } }", None),
    (
        "f_interface_fragments",
        "{ media { __typename id title ... on Book { pages reviewCount } "
        "... on Movie { minutes } } }",
        None,
    ),
    ("f_interface_typename_only", "{ media { __typename } }", None),
    (
        "f_interface_named_fragment",
        "query { media { ...B } } fragment B on Book { id reviewCount }",
        None,
    ),
    ("f_inaccessible_enum_value", "{ topProducts { upc category } }", None),
    ("f_non_null_error_root", '{ product(upc: "1") { name secretCode } }', None),
    ("f_non_null_error_in_entities", "{ latestReview { body product { secretCode } } }", None),
    ("f_non_null_error_in_list", "{ topProducts { upc secretCode } }", None),
    ("f_unknown_product", '{ product(upc: "99") { name inStock } }', None),
    (
        "f_review_author_across",
        "{ latestReview { author { name username reviews { body } } } }",
        None,
    ),
    (
        "f_user_reviews_products_inventory",
        "{ users { name reviews { product { name inStock shippingEstimate } } } }",
        None,
    ),
    ("f_alias_key_collision", "{ topProducts { upc: name inStock } }", None),
    ("f_alias_typename_and_key", "{ topProducts { kind: __typename id: upc } }", None),
    ("f_root_field_inventory", "{ warehouseCount }", None),
    (
        "f_mixed_roots",
        "{ me { name } topProducts(first: 1) { name } warehouseCount latestReview { body } }",
        None,
    ),
    (
        "f_variable_default",
        'query($upc: String! = "2") { product(upc: $upc) { name shippingEstimate } }',
        None,
    ),
    (
        "f_skip_include_variables",
        "query($a: Boolean!, $b: Boolean = false) { topProducts { name @include(if: $a) "
        "inStock @skip(if: $b) } }",
        {"a": True},
    ),
    (
        "f_skip_include_variables_off",
        "query($a: Boolean!, $b: Boolean = false) { topProducts { name @include(if: $a) "
        "inStock @skip(if: $b) } }",
        {"a": False, "b": True},
    ),
    ("f_book_entity", "{ media { ... on Book { id reviewCount } } }", None),
    (
        "f_nested_lists",
        "{ users { reviews { product { reviews { author { name } } } } } }",
        None,
    ),
    ("f_first_variable", "query($n: Int! = 1) { topProducts(first: $n) { name } }", None),
    (
        "f_mutation_rename_same_name",
        'mutation { rename(id: "2", name: "Alan Turing") { id name reviews { body } } }',
        None,
    ),
    ("f_mutation_rename_unknown", 'mutation { rename(id: "9", name: "X") { name } }', None),
    (
        "f_mutation_two_fields",
        'mutation { a: rename(id: "1", name: "Ada Lovelace") { name } '
        'b: rename(id: "2", name: "Alan Turing") { username } }',
        None,
    ),
    ("f_missing_argument", "{ product { name } }", None),
    (
        "f_interface_aliased_typename",
        "{ media { kind: __typename ... on Movie { title } } }",
        None,
    ),
    (
        "f_fragment_on_interface",
        "query { media { ...M } } fragment M on Media { id title }",
        None,
    ),
    (
        "f_skip_on_fragment_spread",
        "query($s: Boolean = true) { users { name ...R @skip(if: $s) } } "
        "fragment R on User { reviews { body } }",
        None,
    ),
    (
        "f_mutation_add_product_idempotent",
        'mutation { addProduct(upc: "7", name: "Lamp") { upc name price inStock '
        "shippingEstimate reviews { body } } }",
        None,
    ),
    # found by the random differential (tests/differential/random_run.py, seed 14, operation
    # 2177, minimised): one entity fetch merged over both paths wrote `x: shippingEstimate`
    # over the items' `x: upc` (ours answered data: null)
    (
        "f_random_alias_reused_at_another_entity_path",
        '{ product(upc: "1") { x: shippingEstimate } topProducts(first: 2) '
        "{ x: upc shippingEstimate } }",
        None,
    ),
]

DOWN: list[Operation] = [
    ("x_down_non_null_field", "{ topProducts { name inStock } }", None),
    ("x_down_nullable_requires", "{ topProducts { name shippingEstimate } }", None),
    ("x_down_root_field", "{ warehouseCount }", None),
    ("x_down_untouched", "{ users { name reviews { body } } }", None),
    (
        "x_down_partial",
        '{ product(upc: "1") { name shippingEstimate } latestReview { body } }',
        None,
    ),
]

# Where @apollo/gateway 2.14.4 is wrong by the spec: an alias equal to the name of an entity's
# key field (``upc: name``, ``upc: price``, ``id: body`` on the keyed Review) is overwritten by
# the key the gateway adds for its entity fetch, so Apollo answers the key's value (or, when
# the types differ, fails value completion and nulls the items). The spec's "CollectFields"
# gives the response key ``upc`` the value of the aliased field. For these operations ours is
# compared with the reference's answer to an equivalent query whose aliases cannot collide
# (prefixed ``x_``, the prefix then removed from the reference's answer).
REFERENCE_ALIAS_BUG: dict[str, str] = {
    "d_alias_swaps_key": "{ topProducts(first: 2) { x_upc: name x_name: upc inStock } }",
    "d_alias_key_on_entity_field": (
        "{ topProducts(first: 2) { x_upc: price reviews { x_id: body } } }"
    ),
    "f_alias_key_collision": "{ topProducts { x_upc: name inStock } }",
}
