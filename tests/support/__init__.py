"""Helpers shared by the tests: real databases, real Redis, real processes on 127.0.0.1."""
