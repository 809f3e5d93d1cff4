"""Every operation the mobile BFF sends the router, parsed once at import (issue #12).

Each is one piece: a named operation with one root field and its arguments as variables (see
``bff_web.operations``); ``BffMobile_OrderUpdates`` is forwarded as a subscription, one router
subscription per client one (:mod:`bff.live`); ``BffMobile_Ready`` is the router probe of
``/ready``; ``bff-manifest`` writes them as ``schema/persisted/bff-mobile.router.json``.
"""

from __future__ import annotations

from graphql import parse

__all__ = ["DOCUMENT", "PREFIX", "operation"]

PREFIX = "BffMobile_"

DOCUMENT = parse(
    """
query BffMobile_Feed($first: Int!, $after: String) {
  productsConnection(first: $first, after: $after) {
    edges { node { upc } }
    pageInfo { hasNextPage endCursor }
  }
}

query BffMobile_ProductTile($keys: [String!]!) {
  productsByUpc(upcs: $keys) { upc name price inStock reviewSummary { averageRating } }
}

query BffMobile_ProductDetail($keys: [String!]!) {
  productsByUpc(upcs: $keys) {
    upc name price description inStock shippingEstimate
    reviewSummary { count averageRating }
    reviews { id body rating createdAt author { id } }
  }
}

query BffMobile_UserName($keys: [ID!]!) {
  usersById(ids: $keys) { id name }
}

query BffMobile_UserOrders($keys: [ID!]!) {
  usersById(ids: $keys) {
    id
    orders(first: 100) { id status placedAt total items { quantity } }
  }
}

query BffMobile_Ready {
  __typename
}

subscription BffMobile_OrderUpdates($orderId: ID!) {
  orderStatusChanged(orderId: $orderId) {
    id status total items { quantity product { name } }
  }
}
"""
)


def operation(piece: str) -> str:
    """``Feed`` -> ``BffMobile_Feed`` (the operation's name in :data:`DOCUMENT`)."""
    return PREFIX + piece
