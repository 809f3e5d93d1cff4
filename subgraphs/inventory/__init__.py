"""The inventory subgraph (Strawberry): stock levels, shipping estimates, reservations."""
