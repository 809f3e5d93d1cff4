"""Issue #16: a subscription's plan is Apollo's ``Subscription`` node in two parts: the primary
fetch (the root field's subgraph, a ``subscription`` operation the router streams) and the rest
(entity fetches per event), here printed whole and split."""

from __future__ import annotations

from graphql import parse

from router.planning import plan_operation, print_plan
from router.planning.plan import FetchNode, FlattenNode, ParallelNode
from router.subscriptions.plan import split_subscription_plan
from router.supergraph import load_supergraph
from servicekit.topology import PROJECT_ROOT

SUPERGRAPH = load_supergraph((PROJECT_ROOT / "schema" / "supergraph.graphql").read_text())
QUERY = (
    "subscription S($id: ID!) { orderStatusChanged(orderId: $id) "
    "{ status items { product { name inStock } } } }"
)


def test_the_primary_fetch_streams_from_orders_and_the_rest_joins_products_and_inventory() -> None:
    plan = plan_operation(SUPERGRAPH, parse(QUERY), "S")
    primary, rest = split_subscription_plan(plan)
    assert primary == FetchNode(
        service_name="orders",
        operation=(
            "subscription S__orders__0($id: ID!) {\n  orderStatusChanged(orderId: $id) {\n"
            "    status\n    items {\n      product {\n        __typename\n        upc\n"
            "      }\n    }\n  }\n}"
        ),
        operation_name="S__orders__0",
        variable_usages=("id",),
    )
    assert isinstance(rest, ParallelNode)
    flattens = [node for node in rest.nodes if isinstance(node, FlattenNode)]
    assert [(f.path, f.node.service_name) for f in flattens] == [
        (("orderStatusChanged", "items", "@", "product"), "products"),
        (("orderStatusChanged", "items", "@", "product"), "inventory"),
    ]
    assert print_plan(plan).startswith('QueryPlan {\n  Sequence {\n    Fetch(service: "orders")')
