"""Dagster objects of g287, one module per domain."""
