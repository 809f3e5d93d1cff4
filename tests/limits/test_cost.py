"""Demand control: static cost estimates with @cost and @listSize, the limit crossed and just met,
and the directives found in a composed supergraph under their @link names."""

from __future__ import annotations

from graphql import DocumentNode, GraphQLSchema, build_ast_schema, parse

from router.limits import CostDirectives, LimitExceeded, LimitsSettings, ListSize
from router.limits.checks import check_cost as check_tree
from tests.limits.support import estimate_cost, measure


def check_cost(
    schema: GraphQLSchema,
    directives: CostDirectives,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, object] | None,
    *,
    max_cost: float,
) -> LimitExceeded | None:
    found = measure(document, operation_name, schema=schema, directives=directives)
    assert found is not None
    settings = LimitsSettings(max_cost=max_cost, default_list_size=10)
    return check_tree(found.cost, variables, settings).violation


SDL = """
directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION

type Query {
  me: User
  users(first: Int, last: Int): [User!]! @listSize(slicingArguments: ["first", "last"])
  anyUsers(first: Int, last: Int): [User!]!
    @listSize(slicingArguments: ["first", "last"], requireOneSlicingArgument: false, assumedSize: 7)
  topProducts(first: Int = 5): [Product!]! @listSize(slicingArguments: ["first"])
  products: [Product!]!
  expensive: Int @cost(weight: 50)
  search(filter: Filter): [Product!]! @listSize(assumedSize: 3)
  productPage(input: PageInput!): ProductConnection! @listSize(slicingArguments: ["input.first"], sizedFields: ["edges"])
  node: Node
}

type Mutation { placeOrder(upc: String! @cost(weight: 4)): Order }

interface Node { id: ID! }
type User implements Node { id: ID! name: String reviews: [Review!]! }
type Review implements Node { id: ID! body: String product: Product }
type Product implements Node @cost(weight: 3) { id: ID! upc: String! price: Money }
type Money @cost(weight: 0) { amount: Int }
type ProductConnection { edges: [ProductEdge!]! total: Int }
type ProductEdge { node: Product! }
type Order { id: ID! }
input Filter { text: String @cost(weight: 2) nested: Filter }
input PageInput { first: Int }
"""

SCHEMA = build_ast_schema(parse(SDL))
DIRECTIVES = CostDirectives.from_sdl(SDL)


def cost(
    query: str, variables: dict[str, object] | None = None, *, default_list_size: int = 10
) -> float:
    return estimate_cost(
        SCHEMA, DIRECTIVES, parse(query), None, variables, default_list_size=default_list_size
    )


def test_directives_are_read_by_coordinate() -> None:
    assert DIRECTIVES.weights == {
        "Query.expensive": 50.0,
        "Mutation.placeOrder(upc:)": 4.0,
        "Product": 3.0,
        "Money": 0.0,
        "Filter.text": 2.0,
    }
    assert DIRECTIVES.list_sizes == {
        "Query.users": ListSize(None, ("first", "last"), (), True),
        "Query.anyUsers": ListSize(7, ("first", "last"), (), False),
        "Query.topProducts": ListSize(None, ("first",), (), True),
        "Query.search": ListSize(3, (), (), True),
        "Query.productPage": ListSize(None, ("input.first",), ("edges",), True),
    }


def test_objects_cost_one_scalars_nothing() -> None:
    assert cost("{ me { id name } }") == 1
    assert cost("{ __typename me { __typename } }") == 1


def test_lists_multiply_by_the_default_list_size() -> None:
    # products: 10 * (Product 3 + price Money 0)
    assert cost("{ products { upc price { amount } } }") == 30
    assert cost("{ products { upc } }", default_list_size=2) == 6


def test_nested_lists_multiply() -> None:
    # users(first: 4): 4 * (User 1 + reviews 10 * (Review 1 + product 3))
    assert cost("{ users(first: 4) { reviews { product { id } } } }") == 4 * (1 + 10 * (1 + 3))


def test_slicing_argument_from_a_variable_and_a_default() -> None:
    query = "query($n: Int) { users(first: $n) { id } }"
    assert cost(query, {"n": 25}) == 25
    assert cost("{ topProducts { id } }") == 5 * 3  # the argument's default value slices
    assert cost("{ topProducts(first: 2) { id } }") == 2 * 3


def test_exactly_one_slicing_argument_is_required_by_default() -> None:
    document = parse("{ users(first: 2, last: 3) { id } }")
    assert check_cost(SCHEMA, DIRECTIVES, document, None, None, max_cost=1000) == LimitExceeded(
        "COST_QUERY_PARSE_FAILURE",
        "Exactly one slicing argument of ['first', 'last'] is required on users, but 2 were given.",
        None,
        None,
    )
    missing = check_cost(SCHEMA, DIRECTIVES, parse("{ users { id } }"), None, None, max_cost=1000)
    assert missing is not None and missing.code == "COST_QUERY_PARSE_FAILURE"


def test_without_required_slicing_the_largest_argument_or_assumed_size_wins() -> None:
    assert cost("{ anyUsers(first: 2, last: 9) { id } }") == 9
    assert cost("{ anyUsers { id } }") == 7


def test_sized_fields_apply_to_the_connection_children() -> None:
    # productPage 1 * (connection 1 + edges 6 * (edge 1 + node Product 3))
    assert cost("{ productPage(input: {first: 6}) { total edges { node { id } } } }") == 1 + 6 * 4


def test_field_weight_argument_and_input_field_costs() -> None:
    assert cost("{ expensive }") == 50
    # search: 3 * Product 3 + Filter.text 2 twice (outer and nested)
    assert cost('{ search(filter: {text: "a", nested: {text: "b"}}) { id } }') == 9 + 4
    assert cost("query($f: Filter) { search(filter: $f) { id } }", {"f": {"text": "x"}}) == 9 + 2


def test_mutations_add_ten() -> None:
    # 10 + placeOrder Order 1 + argument 4
    assert cost('mutation { placeOrder(upc: "1") { id } }') == 15


def test_fragments_on_abstract_types_add_up() -> None:
    query = """
    { node { id ... on User { reviews { id } } ...P } }
    fragment P on Product { price { amount } }
    """
    # node 1 + User.reviews 10 * 1 + Product.price Money 0
    assert cost(query) == 11


def test_limit_just_met_and_crossed() -> None:
    document = parse("{ products { upc } }")  # 30
    assert check_cost(SCHEMA, DIRECTIVES, document, None, None, max_cost=30) is None
    exceeded = check_cost(SCHEMA, DIRECTIVES, document, None, None, max_cost=29)
    assert exceeded == LimitExceeded(
        "COST_ESTIMATED_TOO_EXPENSIVE",
        "The estimated cost of the operation (30) is more than the limit (29).",
        30.0,
        29.0,
    )
    assert exceeded.to_graphql_error() == {
        "message": "The estimated cost of the operation (30) is more than the limit (29).",
        "extensions": {"code": "COST_ESTIMATED_TOO_EXPENSIVE", "measured": 30.0, "limit": 29.0},
    }


SUPERGRAPH_LINKS = """
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/cost/v0.1", import: [{name: "@cost", as: "@weight"}, "@listSize"])
{ query: Query }

type Query {
  products: [Product!]! @listSize(assumedSize: 4)
  cheap: Int @cost(weight: 99)
}
type Product @weight(weight: 5) { id: ID! }
"""


def test_directive_names_follow_link_imports() -> None:
    directives = CostDirectives.from_sdl(SUPERGRAPH_LINKS)
    assert directives.weights == {"Product": 5.0}  # @cost is not the local name here
    assert directives.list_sizes == {"Query.products": ListSize(assumed_size=4)}


def test_federation_prefixed_names_without_links() -> None:
    sdl = "type Query { a: [Int] @federation__listSize(assumedSize: 2) b: Int @federation__cost(weight: 3) }"
    directives = CostDirectives.from_sdl(sdl)
    assert directives.weights == {"Query.b": 3.0}
    assert directives.list_sizes == {"Query.a": ListSize(assumed_size=2)}
