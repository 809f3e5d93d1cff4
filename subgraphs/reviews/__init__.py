"""The reviews subgraph (Ariadne): reviews of products by users."""
