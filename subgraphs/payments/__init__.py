"""The payments subgraph (Strawberry): charges and refunds of orders through a payment provider."""
