"""Every operation the web BFF sends the router, parsed once at import (issue #12).

Each is one piece: a named operation with one root field and its arguments as variables. The
loaders alias pieces into one ``BffStep`` per execution step (:mod:`bff.step_document`),
``bff-manifest`` writes them as ``schema/persisted/bff-web.router.json`` for ``schema check``, and
``tests/bff/test_router_documents.py`` validates this document against the supergraph's API schema.
A product's rating (reviews) is its own piece, apart from the product's details (products and
inventory): with the reviews service down, a product page still shows its name, price and stock.
``BffWeb_StockChanged`` feeds the product page's live stock badge (a subscription, issue #16).
``BffWeb_Ready`` is the router probe of ``/ready``.
"""

from __future__ import annotations

from graphql import parse

from bff.specs import operation_named

__all__ = ["DOCUMENT", "PLACE_ORDER", "PREFIX", "operation"]

PREFIX = "BffWeb_"

DOCUMENT = parse(
    """
query BffWeb_ProductCard($keys: [String!]!) {
  productsByUpc(upcs: $keys) { upc name price inStock reviewSummary { count averageRating } }
}

query BffWeb_ProductDetail($keys: [String!]!) {
  productsByUpc(upcs: $keys) {
    upc name description category price weight inStock stockQuantity shippingEstimate
  }
}

query BffWeb_ProductRating($keys: [String!]!) {
  productsByUpc(upcs: $keys) { upc reviewSummary { count averageRating } }
}

query BffWeb_UserName($keys: [ID!]!) {
  usersById(ids: $keys) { id name username }
}

query BffWeb_UserProfile($keys: [ID!]!) {
  usersById(ids: $keys) { id name username email createdAt }
}

query BffWeb_UserOrders($keys: [ID!]!) {
  usersById(ids: $keys) {
    id
    orders(first: 100) {
      id status placedAt total items { quantity unitPrice product { upc } }
    }
  }
}

query BffWeb_TopProducts($first: Int!) {
  topProducts(first: $first) { upc }
}

query BffWeb_RecentReviews($first: Int!) {
  recentReviews(first: $first) {
    id body rating createdAt author { id } product { upc }
  }
}

query BffWeb_ProductReviews($upc: String!, $first: Int!, $after: String) {
  product(upc: $upc) {
    reviewsConnection(first: $first, after: $after) {
      edges { node { id body rating createdAt author { id } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}

query BffWeb_RelatedProducts($first: Int!, $category: String) {
  productsConnection(first: $first, category: $category) { edges { node { upc } } }
}

query BffWeb_Ready {
  __typename
}

subscription BffWeb_StockChanged($upc: String!) {
  stockChanged(upc: $upc) { upc inStock stockQuantity }
}

mutation BffWeb_PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    id status placedAt total items { quantity unitPrice product { upc } } user { id }
  }
}
"""
)


def operation(piece: str) -> str:
    """``ProductCard`` -> ``BffWeb_ProductCard`` (the operation's name in :data:`DOCUMENT`)."""
    return PREFIX + piece


PLACE_ORDER = operation_named(DOCUMENT, operation("PlaceOrder"))
