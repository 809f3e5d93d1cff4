"""The accounts subgraph (Strawberry): users."""
