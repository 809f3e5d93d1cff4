"""The domain subgraphs (accounts, products, inventory, reviews, orders, payments), each over its own store."""
