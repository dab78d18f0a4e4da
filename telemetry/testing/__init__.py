"""Helpers that run real servers for tests and benchmarks (not used by the product)."""
