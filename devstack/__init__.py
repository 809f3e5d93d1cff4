"""`stack up`: the whole system on 127.0.0.1 with seeded demo data."""
