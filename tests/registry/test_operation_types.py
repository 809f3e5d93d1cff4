"""The spec's "Operation Type Existence" in the registry's operation checks: a persisted
subscription does not validate against a schema without a Subscription type, so publishing the
subgraphs one by one does not report it broken while its root field's subgraph is not yet
published (the registry judges operations against the previously registered supergraph)."""

from __future__ import annotations

from graphql import build_schema

from router.registry.operations import PersistedOperation, broken_operations

WITHOUT_SUBSCRIPTIONS = build_schema("type Query { product: String }")
SUBSCRIPTION_OF_ANOTHER_SUBGRAPH = build_schema(
    "type Query { product: String } type Subscription { stockChanged: Int }"
)
ORDER_UPDATES = PersistedOperation(
    id="1",
    name="OrderUpdates",
    type="subscription",
    body="subscription OrderUpdates { orderStatusChanged }",
    manifest="bff-mobile.router.json",
)


def test_a_subscription_is_not_valid_on_a_schema_without_subscriptions() -> None:
    broken, not_on_old = broken_operations(
        [ORDER_UPDATES],
        WITHOUT_SUBSCRIPTIONS,
        SUBSCRIPTION_OF_ANOTHER_SUBGRAPH,
        only_previously_valid=True,
    )
    assert (broken, not_on_old) == ([], 1)


def test_a_router_operation_needs_its_operation_type_in_the_new_schema() -> None:
    [broken], not_on_old = broken_operations(
        [ORDER_UPDATES], WITHOUT_SUBSCRIPTIONS, WITHOUT_SUBSCRIPTIONS
    )
    assert (broken.errors, not_on_old) == (
        ["The subscription operation is not supported by the schema."],
        0,
    )
