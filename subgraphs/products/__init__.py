"""The products subgraph (Ariadne): the catalogue."""
