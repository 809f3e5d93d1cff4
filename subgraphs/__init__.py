"""The domain subgraphs (accounts, products, inventory, reviews, orders), each over its own store."""
