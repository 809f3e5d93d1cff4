"""Maximum sizes of input values, checked in resolvers (GraphQL has no length constraint in its
type system), each refusal a ``BAD_USER_INPUT`` error naming the argument and its limit.

OWASP's input validation guidance: every string and list a client sends has an upper bound, so a
100 KB idempotency key or a 200,000-item list is refused before it reaches a store or a hash.
"""

from __future__ import annotations

from collections.abc import Sized

from graphql import GraphQLError

__all__ = [
    "MAX_AMOUNT_CENTS",
    "MAX_CARD_NUMBER",
    "MAX_EMAIL",
    "MAX_IDEMPOTENCY_KEY",
    "MAX_IDS",
    "MAX_NAME",
    "MAX_PASSWORD",
    "MAX_PAYMENT_METHOD",
    "MAX_REASON",
    "MAX_UPC",
    "MAX_USERNAME",
    "check_length",
    "check_size",
]

MAX_IDEMPOTENCY_KEY = 128
MAX_USERNAME = 64
MAX_NAME = 200
MAX_EMAIL = 254  # RFC 5321's path limit
MAX_PASSWORD = 1024
MAX_UPC = 64
MAX_IDS = 100
"""Items of a list argument (``usersById(ids:)``, ``productsByUpc(upcs:)``, order items)."""
MAX_CARD_NUMBER = 32
"""Characters of a card number as typed (19 digits at most, ISO/IEC 7812, plus separators)."""
MAX_PAYMENT_METHOD = 67
"""Characters of a payment method token (``pm_`` and up to 64 letters, digits or ``_``)."""
MAX_REASON = 500
"""Characters of a free-text reason (a refund's)."""
MAX_AMOUNT_CENTS = 99_999_999
"""The largest charge in cents (Stripe's limit for most currencies: 999,999.99)."""


def _too_big(argument: str, limit: int, unit: str) -> GraphQLError:
    return GraphQLError(
        f"{argument} is limited to {limit} {unit}",
        extensions={"code": "BAD_USER_INPUT", "argument": argument, "maximum": limit},
    )


def check_length(argument: str, value: str | None, limit: int) -> None:
    """Raise ``BAD_USER_INPUT`` when ``value`` is longer than ``limit`` characters."""
    if value is not None and len(value) > limit:
        raise _too_big(argument, limit, "characters")


def check_size(argument: str, values: Sized | None, limit: int = MAX_IDS) -> None:
    """Raise ``BAD_USER_INPUT`` when the list ``values`` has more than ``limit`` items."""
    if values is not None and len(values) > limit:
        raise _too_big(argument, limit, "items")
