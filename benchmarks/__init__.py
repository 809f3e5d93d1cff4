"""Gateway and planning benchmarks (`make bench`)."""
