"""The orders subgraph (Strawberry): orders and ``placeOrder``."""
